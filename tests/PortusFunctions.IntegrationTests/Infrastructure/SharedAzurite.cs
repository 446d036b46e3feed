namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// The Azurite server that tests share, each on tables of its own prefix: the one the test script started
/// (<c>PORTUS_TEST_TABLES</c>), or one started on first use and stopped when the test process exits.
/// </summary>
internal static class SharedAzurite
{
    private static readonly Lazy<Task<string>> Connection = new(StartAsync);

    /// <summary>Returns the connection string of the shared server.</summary>
    public static Task<string> ConnectionStringAsync() => Connection.Value;

    /// <summary>Returns a table prefix that no other test uses.</summary>
    public static string NewTablePrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    private static async Task<string> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("PORTUS_TEST_TABLES") is { Length: > 0 } connectionString)
        {
            return connectionString;
        }

        var server = await AzuriteServer.StartAsync().ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAsync().GetAwaiter().GetResult();
        return server.ConnectionString;
    }
}
