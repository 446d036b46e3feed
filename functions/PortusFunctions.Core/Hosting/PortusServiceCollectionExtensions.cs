using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PortusFunctions.Access;
using PortusFunctions.Diagnostics;
using PortusFunctions.Events;
using PortusFunctions.Http;
using PortusFunctions.Images;
using PortusFunctions.Jobs;
using PortusFunctions.OperatorPage;
using PortusFunctions.Registry;
using PortusFunctions.Scanning;
using PortusFunctions.Storage;
using PortusFunctions.Webhooks;
using PortusFunctions.Sync;

namespace PortusFunctions.Hosting;

/// <summary>Registers the app's services; both hosts call it with their configuration.</summary>
public static class PortusServiceCollectionExtensions
{
    /// <summary>Adds every service, option and scheduled job of the app.</summary>
    public static IServiceCollection AddPortus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddValidatedOptions<StorageOptions>(configuration, StorageOptions.Section);
        services.AddValidatedOptions<AccessOptions>(configuration, AccessOptions.Section);
        services.AddValidatedOptions<WebhookOptions>(configuration, WebhookOptions.Section);
        services.AddValidatedOptions<InboxOptions>(configuration, InboxOptions.Section);
        services.AddValidatedOptions<RegistryOptions>(configuration, RegistryOptions.Section);
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton<IValidateOptions<AccessOptions>, AccessOptionsValidator>();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookSecretValidator>();
        services.AddHostedService<DevelopmentModeWarning>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<PortusMetrics>();

        services.TryAddSingleton<TableStore>();
        services.TryAddSingleton<TableBatchWriter>();
        services.TryAddSingleton<IImageStore, ImageStore>();
        services.TryAddSingleton<JobLeases>();
        services.TryAddSingleton<JobRunStore>();

        services.TryAddSingleton<InboxStore>();
        services.TryAddSingleton<InboxApplyChannel>();
        services.TryAddSingleton<InboxApplier>();
        services.TryAddSingleton<InboxDrain>();
        services.TryAddSingleton<IInboxDrain>(provider => provider.GetRequiredService<InboxDrain>());
        services.TryAddSingleton<IEventIngestion, EventIngestion>();
        services.AddHostedService<InboxApplyWorker>();
        services.AddSingleton<InboxDrainJob>();
        services.AddSingleton<IScheduledJob>(provider => provider.GetRequiredService<InboxDrainJob>());

        services.TryAddSingleton<ApiAccess>();
        services.TryAddSingleton<WebhookEndpoint>();
        services.TryAddSingleton<RepositoryEndpoints>();
        services.TryAddSingleton<HealthEndpoint>();
        services.TryAddSingleton<OperatorOverviewService>();
        services.TryAddSingleton<OperatorPageEndpoint>();

        // The registry client serves the sync, and its pull credentials serve the scanners.
        services.AddRegistry();
        services.AddScanning(configuration);
        services.AddWebhooks(configuration);
        services.AddSync(configuration);
        return services;
    }

    /// <summary>Binds <typeparamref name="TOptions"/> to a section and validates its data annotations at start.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(
        this IServiceCollection services,
        IConfiguration configuration,
        string section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configuration);

        return services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }
}
