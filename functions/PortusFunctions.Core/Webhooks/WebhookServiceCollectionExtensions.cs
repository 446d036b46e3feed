using PortusFunctions.Scanning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PortusFunctions.Hosting;
using PortusFunctions.Images;
using PortusFunctions.Webhooks.Api;
using PortusFunctions.Webhooks.Delivery;
using PortusFunctions.Webhooks.Outbox;
using PortusFunctions.Webhooks.Scans;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Webhooks;

/// <summary>Registers outgoing webhooks: subscriptions, the outbox, the dispatcher and the admin API.</summary>
public static class WebhookServiceCollectionExtensions
{
    /// <summary>Adds every service of outgoing webhooks.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<OutboxOptions>(configuration, OutboxOptions.Section);
        services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>();

        services.TryAddSingleton<ISubscriptionStore, SubscriptionStore>();
        services.TryAddSingleton<IOutboxStore, OutboxStore>();
        services.TryAddSingleton<OutboxSignal>();
        services.TryAddSingleton<OutboxWriter>();
        services.AddSingleton<IImageChangeObserver, WebhookChangeObserver>();
        services.TryAddSingleton<IScanNotificationSink, ScanNotificationSink>();

        services.TryAddSingleton<WebhookTargetGuard>();
        services.AddHttpClient(WebhookSender.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(provider => provider.GetRequiredService<WebhookTargetGuard>().CreateHandler())
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        services.TryAddSingleton<WebhookSender>();
        services.TryAddSingleton<OutboxDispatcher>();
        services.TryAddSingleton<IOutboxDispatcher>(provider => provider.GetRequiredService<OutboxDispatcher>());
        services.AddSingleton<OutboxDispatchJob>();
        services.AddSingleton<IScheduledJob>(provider => provider.GetRequiredService<OutboxDispatchJob>());
        services.AddHostedService<OutboxDispatchWorker>();

        services.TryAddSingleton<SubscriptionEndpoints>();
        return services;
    }
}
