// @azure/identity imports @azure/msal-browser only from its browser credentials, which Node
// never loads. Anything that reaches this module ran a browser flow in Node: say so plainly.
export function createStandardPublicClientApplication() {
  throw new Error('@azure/msal-browser is not installed with rightsizer: browser sign-in flows do not run in Node; use workload identity (OIDC), a service principal or managed identity');
}
export class PublicClientApplication {
  constructor() { createStandardPublicClientApplication(); }
}
