// Parameters of infra/main.bicep. Secrets and the registry and scanner addresses come from environment variables,
// so this file contains no secret. Every other parameter keeps its default in main.bicep unless set here.
// docs/deploy.md lists the variables and shows how to generate the keys.
using './main.bicep'

param namePrefix = readEnvironmentVariable('PORTUS_NAME_PREFIX', 'portus')

param webhookSecret = readEnvironmentVariable('PORTUS_WEBHOOK_SECRET')
param readerKey = readEnvironmentVariable('PORTUS_READER_KEY')
param adminKey = readEnvironmentVariable('PORTUS_ADMIN_KEY')

param registryUrl = readEnvironmentVariable('PORTUS_REGISTRY_URL', '')
param registryUsername = readEnvironmentVariable('PORTUS_REGISTRY_USERNAME', '')
param registryPassword = readEnvironmentVariable('PORTUS_REGISTRY_PASSWORD', '')

param scanScanner = readEnvironmentVariable('PORTUS_SCAN_SCANNER', '')
param scanUrl = readEnvironmentVariable('PORTUS_SCAN_URL', '')
param scanAuthorization = readEnvironmentVariable('PORTUS_SCAN_AUTHORIZATION', '')
