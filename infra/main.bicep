// PortusFunctions in one resource group: a Flex Consumption function app that runs as a user-assigned identity,
// its storage account (shared keys disabled), Application Insights with Entra ID authentication only, and a
// Key Vault that contains every secret the app reads.
//
// Deploy with: az deployment group create --resource-group RG --template-file infra/main.bicep
//   --parameters infra/main.bicepparam   (docs/deploy.md has the full steps)

targetScope = 'resourceGroup'

// Names and placement

@description('Azure region of every resource, one that offers the Flex Consumption plan.')
param location string = resourceGroup().location

@description('Start of every resource name: 2 to 10 lowercase letters and digits.')
@minLength(2)
@maxLength(10)
param namePrefix string = 'portus'

@description('Tags put on every resource.')
param tags resourceInput<'Microsoft.Resources/resourceGroups@2024-11-01'>.tags = {}

// Hosting

@description('Memory of each function app instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Maximum number of instances the function app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_LRS'

@description('Days the Log Analytics workspace keeps logs and telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Days a deleted Key Vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Whether deleted secrets and the vault are kept until the retention ends. It cannot be turned off later.')
param keyVaultPurgeProtection bool = true

// Secrets, stored in Key Vault and read by the app through Key Vault references

@description('Secret the registry sends as "Authorization: Bearer SECRET" (Webhook__Secret), 16 characters or more.')
@secure()
@minLength(16)
param webhookSecret string

@description('Key for the read API and the operator page (Access__ReaderKey), 16 characters or more.')
@secure()
@minLength(16)
param readerKey string

@description('Key for admin requests such as a manual sync (Access__AdminKey), 16 characters or more.')
@secure()
@minLength(16)
param adminKey string

@description('Password or token of registryUsername (Registry__Password), or empty for anonymous access.')
@secure()
param registryPassword string = ''

@description('Credential sent to the scanner, such as "Bearer TOKEN" (Scan__Authorization), or empty for none.')
@secure()
param scanAuthorization string = ''

// The registry and the scanner

@description('Base URL of the registry (Registry__Url), or empty when the app only receives events.')
param registryUrl string = ''

@description('User name at the registry (Registry__Username), or empty for anonymous access.')
param registryUsername string = ''

@description('Scanner kind (Scan__Scanner) as the app accepts it. Empty turns scanning off.')
param scanScanner string = ''

@description('Base URL of the scanner API (Scan__Url).')
param scanUrl string = ''

// Jobs. Schedules are NCRONTAB expressions with six fields (seconds first) in UTC. Budgets are TimeSpan values
// (hh:mm:ss) and must stay below the 30 minute function timeout in host.json.

@description('Schedule of the inbox drain, which applies events left pending (Inbox__DrainSchedule).')
@minLength(11)
param inboxDrainSchedule string = '0 */1 * * * *'

@description('Catalog synchronization strategy (Sync__Strategy): initial by default with registryUrl, else disabled.')
@allowed([
  'disabled'
  'initial'
  'update'
  'update-delete'
])
param syncStrategy string = empty(registryUrl) ? 'disabled' : 'initial'

@description('Schedule of the catalog synchronization (Sync__Schedule).')
@minLength(11)
param syncSchedule string = '0 */15 * * * *'

@description('Time one synchronization run may take before it saves its cursor and stops (Sync__TimeBudget).')
@minLength(8)
param syncTimeBudget string = '00:10:00'

@description('Schedule of the vulnerability scan job (Scan__Schedule).')
@minLength(11)
param scanSchedule string = '0 */5 * * * *'

@description('Time one scan run may take before it stops (Scan__TimeBudget).')
@minLength(8)
param scanTimeBudget string = '00:04:00'

@description('Schedule of the outgoing webhook dispatcher (Outbox__Schedule).')
@minLength(11)
param outboxSchedule string = '0 */1 * * * *'

var token = uniqueString(resourceGroup().id, namePrefix)
var names = {
  identity: '${namePrefix}-id-${token}'
  storage: take('${namePrefix}st${token}', 24)
  workspace: '${namePrefix}-log-${token}'
  applicationInsights: '${namePrefix}-appi-${token}'
  keyVault: take('${namePrefix}-kv-${token}', 24)
  plan: '${namePrefix}-plan-${token}'
  functionApp: '${namePrefix}-${token}'
}

// The project's target framework (Directory.Build.props) and the Flex Consumption runtime version go together.
var dotnetVersion = '10.0'

// The vault URI is built from the name, so the references below are known before the deployment starts.
var keyVaultUri = 'https://${names.keyVault}${environment().suffixes.keyvaultDns}/'

// Key Vault secret names and the value of each. A secret without a value is neither created nor referenced.
var secretNames = {
  webhookSecret: 'webhook-secret'
  readerKey: 'reader-key'
  adminKey: 'admin-key'
  registryPassword: 'registry-password'
  scanAuthorization: 'scan-authorization'
}

var secretValues = {
  '${secretNames.webhookSecret}': webhookSecret
  '${secretNames.readerKey}': readerKey
  '${secretNames.adminKey}': adminKey
  '${secretNames.registryPassword}': registryPassword
  '${secretNames.scanAuthorization}': scanAuthorization
}

var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Every role of the identity. Queue roles are absent on purpose: the Functions host uses queues only for blob
// triggers, queue triggers and Durable Functions, and this app has HTTP and timer triggers only.
var roleGrants = [
  {
    targetKind: 'storageAccount'
    roleDefinitionId: roleIds.storageBlobDataOwner
    purpose: 'Functions host storage (keys, timer locks) and the deployment package'
  }
  {
    targetKind: 'storageAccount'
    roleDefinitionId: roleIds.storageTableDataContributor
    purpose: 'The app tables and the Functions host diagnostic events'
  }
  {
    targetKind: 'keyVault'
    roleDefinitionId: roleIds.keyVaultSecretsUser
    purpose: 'Key Vault references in app settings'
  }
  {
    targetKind: 'applicationInsights'
    roleDefinitionId: roleIds.monitoringMetricsPublisher
    purpose: 'Telemetry with Microsoft Entra ID authentication'
  }
]

module identity 'modules/identity.bicep' = {
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  params: {
    name: names.storage
    location: location
    tags: tags
    skuName: storageSku
    deploymentContainerName: 'app-package'
  }
}

module monitoring 'modules/monitoring.bicep' = {
  params: {
    workspaceName: names.workspace
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module keyVault 'modules/key-vault.bicep' = {
  params: {
    name: names.keyVault
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    enablePurgeProtection: keyVaultPurgeProtection
    secretNames: objectKeys(secretValues)
    secretValues: secretValues
  }
}

var roleTargetNames = {
  storageAccount: names.storage
  keyVault: names.keyVault
  applicationInsights: names.applicationInsights
}

module roleAssignments 'modules/role-assignment.bicep' = [
  for grant in roleGrants: {
    params: {
      targetKind: grant.targetKind
      targetName: roleTargetNames[grant.targetKind]
      identityName: names.identity
      roleDefinitionId: grant.roleDefinitionId
      purpose: grant.purpose
    }
    // The names above are known before deployment, so the resources they name are listed here.
    dependsOn: [
      identity
      storage
      keyVault
      monitoring
    ]
  }
]

@description('Returns a Key Vault reference to the newest version of a secret, or \'\' when the secret has no value.')
func secretReference(vaultUri string, secretName string, secretValue string) string =>
  empty(secretValue) ? '' : '@Microsoft.KeyVault(SecretUri=${vaultUri}secrets/${secretName})'

// Every app setting, by the names the app reads locally too. Empty values are left out.
var appSettings = {
  // Functions host: storage and telemetry through the identity.
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  // DefaultAzureCredential in the worker picks the user-assigned identity from this variable.
  AZURE_CLIENT_ID: identity.outputs.clientId
  // The host's default page would answer GET /, where the operator page is.
  AzureWebJobsDisableHomepage: 'true'

  Storage__Tables: storage.outputs.tableEndpoint
  Storage__ManagedIdentityClientId: identity.outputs.clientId

  Webhook__Secret: secretReference(keyVaultUri, secretNames.webhookSecret, webhookSecret)
  Access__ReaderKey: secretReference(keyVaultUri, secretNames.readerKey, readerKey)
  Access__AdminKey: secretReference(keyVaultUri, secretNames.adminKey, adminKey)

  Registry__Url: registryUrl
  Registry__Username: registryUsername
  Registry__Password: secretReference(keyVaultUri, secretNames.registryPassword, registryPassword)

  // The Functions host resolves %Section:Key% in timer triggers from app settings, and a timer function whose
  // setting is missing fails to load and never runs, so every schedule is set here even when code has a default.
  Inbox__DrainSchedule: inboxDrainSchedule

  Sync__Strategy: syncStrategy
  Sync__Schedule: syncSchedule
  Sync__TimeBudget: syncTimeBudget

  Scan__Scanner: scanScanner
  Scan__Url: scanUrl
  Scan__Authorization: secretReference(keyVaultUri, secretNames.scanAuthorization, scanAuthorization)
  Scan__Schedule: scanSchedule
  Scan__TimeBudget: scanTimeBudget

  Outbox__Schedule: outboxSchedule
}

module functionApp 'modules/function-app.bicep' = {
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    planTags: tags
    appTags: union(tags, { 'azd-service-name': 'portus' })
    identityId: identity.outputs.id
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    dotnetVersion: dotnetVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: appSettings
  }
  // The secrets and the roles must exist before the app first starts and resolves its Key Vault references.
  dependsOn: [
    keyVault
    roleAssignments
  ]
}

@description('Name of the function app, for func azure functionapp publish.')
output functionAppName string = functionApp.outputs.name

@description('URL to configure in the registry, before the function key is added as ?code=KEY.')
output webhookUrl string = 'https://${functionApp.outputs.defaultHostName}/v2/webhooks/events'

@description('Name of the storage account that contains the app tables.')
output storageAccountName string = storage.outputs.name

@description('Name of the Key Vault that contains the secrets.')
output keyVaultName string = keyVault.outputs.name
