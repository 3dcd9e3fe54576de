/** Raw bytes with their content type: the files of the web dashboard. */
export interface FileResponse {
  readonly status: number
  readonly body: Uint8Array
  readonly contentType: string
  readonly headers?: Readonly<Record<string, string>>
}
