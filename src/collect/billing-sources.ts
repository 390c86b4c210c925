// The names billing sources go by in a snapshot's source list and in error lines. Kept apart from
// the collectors so naming a source never loads a cloud SDK.

export const AWS_SOURCE = 'billing:aws';
export const GCP_SOURCE = 'billing:gcp';
export const AZURE_SOURCE = 'billing:azure';
