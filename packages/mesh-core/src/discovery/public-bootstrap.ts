/**
 * The entry points of the public IPFS (Amino) DHT, the one Go edgevpn's rendezvous lives on. Go's
 * DHT discovery dials them when no bootstrap peer is configured (go-libp2p-kad-dht's default
 * list), so two nodes in different networks with default flags meet there. The `/dnsaddr` ones
 * resolve through DNS TXT records (`_dnsaddr.bootstrap.libp2p.io`) at dial time.
 */
export const PUBLIC_DHT_BOOTSTRAP_PEERS: readonly string[] = Object.freeze([
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
  '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt',
  '/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ'
])
