// Grants one built-in role to a user-assigned identity on one resource of this deployment.

@description('Kind of the resource that the role is granted on.')
@allowed([
  'storageAccount'
  'keyVault'
  'applicationInsights'
])
param targetKind string

@description('Name of that resource in this resource group.')
param targetName string

@description('Name of the user-assigned identity in this resource group that receives the role.')
param identityName string

@description('Id (a GUID) of the built-in role definition.')
param roleDefinitionId string

@description('Why the identity needs the role, stored as the description of the assignment.')
param purpose string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storageAccount 'Microsoft.Storage/storageAccounts@2025-01-01' existing = if (targetKind == 'storageAccount') {
  name: targetName
}

resource keyVault 'Microsoft.KeyVault/vaults@2024-11-01' existing = if (targetKind == 'keyVault') {
  name: targetName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = if (targetKind == 'applicationInsights') {
  name: targetName
}

var resourceTypes = {
  storageAccount: 'Microsoft.Storage/storageAccounts'
  keyVault: 'Microsoft.KeyVault/vaults'
  applicationInsights: 'Microsoft.Insights/components'
}

var targetId = resourceId(resourceTypes[targetKind], targetName)

var properties = {
  principalId: identity.properties.principalId
  principalType: 'ServicePrincipal'
  roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
  description: purpose
}

// Bicep needs the scope of an extension resource at compile time (BCP420) and accepts neither a conditional
// expression nor a resource id string there, so each kind of target has its own declaration.
resource onStorageAccount 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (targetKind == 'storageAccount') {
  scope: storageAccount
  name: guid(targetId, identity.id, roleDefinitionId)
  properties: properties
}

resource onKeyVault 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (targetKind == 'keyVault') {
  scope: keyVault
  name: guid(targetId, identity.id, roleDefinitionId)
  properties: properties
}

resource onInsights 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (targetKind == 'applicationInsights') {
  scope: insights
  name: guid(targetId, identity.id, roleDefinitionId)
  properties: properties
}
