using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PortusFunctions.Hosting;
using PortusFunctions.Http;
using PortusFunctions.Registry;

namespace PortusFunctions.Sync;

/// <summary>Registers the catalog synchronization.</summary>
public static class SyncServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="SyncOptions"/>, <see cref="ISyncService"/>, its endpoints and its
    /// scheduled job.
    /// </summary>
    public static IServiceCollection AddSync(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddValidatedOptions<SyncOptions>(configuration, SyncOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SyncOptions>, SyncOptionsValidator>());

        services.TryAddSingleton<SyncPendingStore>();
        services.TryAddSingleton<SyncStoreReader>();
        services.TryAddScoped<ISyncService, SyncService>();
        services.TryAddScoped<SyncEndpoints>();
        services.AddSingleton<SyncJob>();
        services.AddSingleton<IScheduledJob>(provider => provider.GetRequiredService<SyncJob>());
        services.AddHostedService<SyncStartupLog>();
        return services;
    }
}
