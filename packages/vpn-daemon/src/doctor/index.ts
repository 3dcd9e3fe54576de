/**
 * `edgevpn doctor`: a temporary node that watches the network ({@link runDoctor}), a judge of what
 * it saw ({@link diagnose}) and the report ({@link formatReport}).
 */
export { runDoctor } from './run-doctor.js'
export type { DoctorRunInit } from './run-doctor.js'
export { throwawayNodeInit } from './throwaway-node.js'
export { diagnose, isUsableMember } from './diagnose.js'
export type { Diagnosis } from './diagnose.js'
export { assessSkew, otpWindows } from './clock-skew.js'
export type { OtpWindow, SkewAssessment } from './clock-skew.js'
export { assessReachability } from './reachability.js'
export type { Reachability } from './reachability.js'
export { formatJsonReport, formatReport } from './format-report.js'
export { isMember } from './observation.js'
export type { BootstrapOutcome, DhtObservation, DoctorObservation, MdnsObservation, PeerObservation } from './observation.js'
