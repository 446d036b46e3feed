// User-assigned managed identity of the function app. It reaches storage, Key Vault and Application Insights
// without keys, and it exists before the app, so its role assignments are in place when the app first starts.

@description('Name of the identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags put on the identity.')
param tags resourceInput<'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30'>.tags

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = identity.id

@description('Client id (application id) of the identity, which app settings name to select it.')
output clientId string = identity.properties.clientId

@description('Object id of the identity\'s service principal, the principal of its role assignments.')
output principalId string = identity.properties.principalId
