// Function app on a Flex Consumption plan (Linux, .NET isolated worker). The platform pulls the app package from
// a blob container with the user-assigned identity, and resolves Key Vault references with the same identity.

@description('Name of the function app, which becomes the host name NAME.azurewebsites.net.')
param name string

@description('Name of the Flex Consumption plan, which contains this app only.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags put on the plan.')
param planTags resourceInput<'Microsoft.Web/serverfarms@2024-11-01'>.tags

@description('Tags put on the app. azd finds the app by its azd-service-name tag.')
param appTags resourceInput<'Microsoft.Web/sites@2024-11-01'>.tags

@description('Resource id of the user-assigned identity that the app runs as.')
param identityId string

@description('URL of the blob container that receives the app package.')
param deploymentContainerUrl string

@description('.NET version of the isolated worker, matching the project\'s target framework.')
param dotnetVersion string

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Maximum number of instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('App settings by name. A setting with an empty value is left out, which the app reads as unset.')
param appSettings { *: string }

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: planTags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: appTags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: map(filter(items(appSettings), setting => !empty(setting.value)), setting => {
        name: setting.key
        value: setting.value
      })
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }
}

@description('Name of the function app.')
output name string = app.name

@description('Default host name of the app, such as NAME.azurewebsites.net.')
output defaultHostName string = app.properties.defaultHostName
