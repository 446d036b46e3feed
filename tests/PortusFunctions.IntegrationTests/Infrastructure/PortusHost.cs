using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PortusFunctions.Host;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>The bare-metal host, started in the test process on a free loopback port with its own tables.</summary>
internal sealed class PortusHost : IAsyncDisposable
{
    /// <summary>Webhook secret of hosts started by tests.</summary>
    public const string Secret = "test-webhook-secret";

    /// <summary>Reader key of hosts started by tests.</summary>
    public const string ReaderKey = "test-reader-key-0001";

    /// <summary>Admin key of hosts started by tests.</summary>
    public const string AdminKey = "test-admin-key-00001";

    private PortusHost(WebApplication app, Uri url, IReadOnlyDictionary<string, string?> settings)
    {
        App = app;
        Url = url;
        Settings = settings;
        Client = new HttpClient { BaseAddress = url };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ReaderKey);
    }

    /// <summary>The running application.</summary>
    public WebApplication App { get; }

    /// <summary>Base URL of the host.</summary>
    public Uri Url { get; }

    /// <summary>Settings the host was started with.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>A client that sends the reader key.</summary>
    public HttpClient Client { get; }

    /// <summary>URL of the webhook endpoint.</summary>
    public Uri WebhookUrl => new(Url, "v2/webhooks/events");

    /// <summary>Log entries written so far.</summary>
    public CollectingLoggerProvider Logs { get; } = new();

    /// <summary>Returns a service of the host.</summary>
    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    /// <summary>
    /// Starts a host on tables with a fresh prefix in <paramref name="tables"/> (the shared Azurite when null), with
    /// test keys and <paramref name="overrides"/> on top.
    /// </summary>
    public static async Task<PortusHost> StartAsync(string? tables = null, IDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Storage:Tables"] = tables ?? await SharedAzurite.ConnectionStringAsync().ConfigureAwait(false),
            ["Storage:TablePrefix"] = SharedAzurite.NewTablePrefix(),
            ["Webhook:Secret"] = Secret,
            ["Access:ReaderKey"] = ReaderKey,
            ["Access:AdminKey"] = AdminKey,
            ["Inbox:DrainSchedule"] = "*/2 * * * * *",
            ["Inbox:DrainDelay"] = "00:00:03",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        var logs = new CollectingLoggerProvider();
        var app = BareMetalHost.Build(
            ["--urls", "http://127.0.0.1:0"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(logs);
                builder.Logging.SetMinimumLevel(LogLevel.Debug);
            });
        await app.StartAsync().ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var host = new PortusHost(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/"), settings);
        host.Logs.Attach(logs);
        return host;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
    }
}
