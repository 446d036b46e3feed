using System.Globalization;
using System.Net.Http.Headers;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// The bare-metal host as a child process, for tests that kill it with SIGKILL and start it again on the same port
/// and tables.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> _settings;
    private ExternalProcess? _process;

    private HostProcess(int port, Dictionary<string, string> settings)
    {
        Port = port;
        _settings = settings;
        Client = new HttpClient { BaseAddress = Url };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", PortusHost.ReaderKey);
    }

    /// <summary>Port the host listens on, the same across restarts.</summary>
    public int Port { get; }

    /// <summary>Base URL of the host.</summary>
    public Uri Url => new($"http://127.0.0.1:{Port}/");

    /// <summary>URL of the webhook endpoint.</summary>
    public Uri WebhookUrl => new(Url, "v2/webhooks/events");

    /// <summary>A client that sends the reader key.</summary>
    public HttpClient Client { get; }

    /// <summary>Process id of the running host, or 0 while it is stopped.</summary>
    public int ProcessId => _process?.ProcessId ?? 0;

    /// <summary>Output of the current process.</summary>
    public string Output => _process?.Output ?? "";

    /// <summary>Starts the host on a free port with test keys, a fresh table prefix and <paramref name="overrides"/>.</summary>
    public static async Task<HostProcess> StartAsync(string tables, IDictionary<string, string>? overrides = null)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Storage__Tables"] = tables,
            ["Storage__TablePrefix"] = SharedAzurite.NewTablePrefix(),
            ["Webhook__Secret"] = PortusHost.Secret,
            ["Access__ReaderKey"] = PortusHost.ReaderKey,
            ["Access__AdminKey"] = PortusHost.AdminKey,
            ["Inbox__DrainSchedule"] = "*/2 * * * * *",
            ["Inbox__DrainDelay"] = "00:00:02",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        var host = new HostProcess(TestTools.FreePort(), settings);
        await host.StartAgainAsync().ConfigureAwait(false);
        return host;
    }

    /// <summary>Settings the host runs with, in app-setting form.</summary>
    public IReadOnlyDictionary<string, string> Settings => _settings;

    /// <summary>Kills the process with SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }
    }

    /// <summary>Starts the host again with the same port and settings.</summary>
    public async Task StartAgainAsync()
    {
        var hostDll = Path.Combine(AppContext.BaseDirectory, "PortusFunctions.Host.dll");
        var environment = _settings.Select(setting => $"{setting.Key}={setting.Value}");
        _process = await ExternalProcess.StartAsync(
            "/usr/bin/env",
            [.. environment, "dotnet", hostDll, "--urls", $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}"],
            Port,
            TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        Client.Dispose();
    }

}
