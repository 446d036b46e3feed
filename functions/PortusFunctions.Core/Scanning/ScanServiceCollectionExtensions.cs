using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using PortusFunctions.Hosting;
using PortusFunctions.Http;
using PortusFunctions.Images;
using PortusFunctions.Registry;
using PortusFunctions.Scanning.Clair;
using PortusFunctions.Scanning.Fake;
using PortusFunctions.Scanning.Harbor;

namespace PortusFunctions.Scanning;

/// <summary>Registers the scanner, the scan job, its stores and the vulnerability read API.</summary>
public static class ScanServiceCollectionExtensions
{
    /// <summary>Adds the services of security scanning, configured from section <c>Scan</c>.</summary>
    public static IServiceCollection AddScanning(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ScanOptions>(configuration, ScanOptions.Section);
        services.AddSingleton<IValidateOptions<ScanOptions>, ScanOptionsValidator>();

        services.AddHttpClient(ScannerHttp.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddResilienceHandler("scanner", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<ScanOptions>>().Value;
                pipeline
                    .AddTimeout(options.RequestTimeout * 4)
                    .AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = 2,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(500),
                        ShouldHandle = args => ScannerHttp.IsTransient(args.Outcome),
                    })
                    .AddTimeout(options.RequestTimeout);
            });

        services.TryAddSingleton<IScanStore, ScanStore>();
        services.TryAddSingleton<IScannerClient>(CreateClient);
        services.TryAddSingleton<ScanWorker>();
        services.AddSingleton<IImageChangeObserver, ScanQueueObserver>();
        services.TryAddSingleton<ScanJob>();
        services.TryAddSingleton<IScanJob>(provider => provider.GetRequiredService<ScanJob>());
        services.AddSingleton<IScheduledJob>(provider => provider.GetRequiredService<ScanJob>());
        services.TryAddSingleton<VulnerabilityEndpoint>();
        return services;
    }

    private static IScannerClient CreateClient(IServiceProvider provider)
    {
        var kind = provider.GetRequiredService<IOptions<ScanOptions>>().Value.Scanner.ToLowerInvariant();
        return kind switch
        {
            ScannerKinds.Harbor => ActivatorUtilities.CreateInstance<HarborScannerClient>(provider),
            ScannerKinds.Clair => ActivatorUtilities.CreateInstance<ClairScannerClient>(provider),
            ScannerKinds.Fake => ActivatorUtilities.CreateInstance<FakeScannerClient>(provider),
            _ => new NoScannerClient(),
        };
    }
}
