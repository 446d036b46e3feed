using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using PortusFunctions.Diagnostics;
using PortusFunctions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddPortus(builder.Configuration);
builder.Services.AddPortusTelemetry(builder.Configuration, telemetry => telemetry.UseFunctionsWorkerDefaults());
await builder.Build().RunAsync().ConfigureAwait(false);
