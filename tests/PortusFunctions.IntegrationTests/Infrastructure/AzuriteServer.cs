namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>An Azurite table server on 127.0.0.1, persisting to a folder so that it can be stopped and restarted.</summary>
internal sealed class AzuriteServer : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _location;
    private readonly bool _inMemory;
    private ExternalProcess? _process;

    private AzuriteServer(int port, string location, bool inMemory)
    {
        Port = port;
        _location = location;
        _inMemory = inMemory;
    }

    /// <summary>Port of the table endpoint.</summary>
    public int Port { get; }

    /// <summary>Connection string of Azurite's development account on this server.</summary>
    public string ConnectionString => ConnectionStringFor(Port);

    /// <summary>Returns the connection string of Azurite's development account on <paramref name="port"/>.</summary>
    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

    /// <summary>Starts a server on a free port with an empty folder.</summary>
    /// <param name="inMemory">
    /// Keep the data in memory only, without Azurite's periodic save of the whole database to disk; the data is lost
    /// when the server stops.
    /// </param>
    public static async Task<AzuriteServer> StartAsync(bool inMemory = false)
    {
        var server = new AzuriteServer(TestTools.FreePort(), TestTools.TemporaryFolder("azurite"), inMemory);
        await server.StartAgainAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>
    /// Stops the server with SIGINT, the only signal on which Azurite 3.37 saves its data before exiting. Killed any
    /// other way, it loses the writes since its last periodic save (every 5 s), which real Table Storage never does.
    /// </summary>
    /// <remarks>
    /// On SIGINT Azurite 3.37 rejects connections at once, saves its data, writes "successfully closed", and then stays
    /// alive for many seconds; it is killed once that line appears.
    /// </remarks>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            await _process.StopGracefullyAsync("INT", TimeSpan.FromSeconds(20), "Azurite Table service successfully closed").ConfigureAwait(false);
            _process = null;
        }
    }

    /// <summary>Starts the server again on the same port and folder.</summary>
    public async Task StartAgainAsync()
    {
        _process = await ExternalProcess.StartAsync(
            TestTools.AzuriteTable,
            ["--tableHost", "127.0.0.1", "--tablePort", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
             .. (_inMemory ? ["--inMemoryPersistence"] : new[] { "--location", _location }), "--skipApiVersionCheck", "--disableProductStyleUrl"],
            Port).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => new(StopAsync());
}
