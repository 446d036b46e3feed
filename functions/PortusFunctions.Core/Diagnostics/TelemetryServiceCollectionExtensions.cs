using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using PortusFunctions.Webhooks.Delivery;

namespace PortusFunctions.Diagnostics;

/// <summary>
/// OpenTelemetry for both hosts: the app's meter, outgoing HTTP traces, and an exporter chosen by the standard
/// environment settings.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> exports metrics, traces and logs to Application Insights.
/// When <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> is <c>ClientId=ID;Authorization=AAD</c>, as it must be for a
/// resource with local authentication disabled, the exporter signs in with that managed identity.</item>
/// <item><c>OTEL_EXPORTER_OTLP_ENDPOINT</c> exports to an OpenTelemetry collector.</item>
/// <item>With neither, instruments are still created, and nothing is exported.</item>
/// </list>
/// </remarks>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>Service name reported with every signal.</summary>
    public const string ServiceName = "PortusFunctions";

    /// <summary>Adds OpenTelemetry; <paramref name="configureHost"/> adds what the host instruments itself.</summary>
    public static OpenTelemetryBuilder AddPortusTelemetry(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<OpenTelemetryBuilder>? configureHost = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics.AddMeter(PortusMetrics.MeterName))
            .WithTracing(tracing => tracing.AddHttpClientInstrumentation(
                options => options.EnrichWithHttpRequestMessage = WebhookTelemetry.RedactTarget));
        configureHost?.Invoke(telemetry);

        var connectionString = configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            var managedIdentity = ManagedIdentityClientId(configuration["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                if (managedIdentity is not null)
                {
                    options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(managedIdentity));
                }
            });
        }

        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return telemetry;
    }

    /// <summary>Returns the client id of <c>ClientId=ID;Authorization=AAD</c>, or null for any other value.</summary>
    internal static string? ManagedIdentityClientId(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        return parts.TryGetValue("Authorization", out var mode) && mode.Equals("AAD", StringComparison.OrdinalIgnoreCase)
            && parts.TryGetValue("ClientId", out var clientId)
            ? clientId
            : null;
    }
}
