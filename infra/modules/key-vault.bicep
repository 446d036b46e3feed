// Key Vault with Azure RBAC authorization that contains the app's secrets. App settings read them through
// Key Vault references, so no secret value is stored in the function app's configuration.

@description('Name of the vault: 3 to 24 letters, digits and dashes, unique across Azure.')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags put on the vault.')
param tags resourceInput<'Microsoft.KeyVault/vaults@2024-11-01'>.tags

@description('Days a deleted vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

@description('Whether deleted secrets and the vault are kept until the retention ends. It cannot be turned off.')
param enablePurgeProtection bool

@description('Names of the secrets (letters, digits and dashes). A secret whose value is empty is not created.')
param secretNames string[]

@description('Secret values by secret name.')
@secure()
param secretValues { *: string }

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // Key Vault rejects an explicit false here, so the property is left out unless protection is wanted.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

// The loop runs over the plain list of names, not over the secure values: What-If cannot count a loop whose
// length depends on secure values before the deployment starts, and skips the whole module.
resource secret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = [
  for secretName in secretNames: if (!empty(secretValues[secretName])) {
    parent: vault
    name: secretName
    properties: {
      value: secretValues[secretName]
    }
  }
]

@description('Name of the vault.')
output name string = vault.name
