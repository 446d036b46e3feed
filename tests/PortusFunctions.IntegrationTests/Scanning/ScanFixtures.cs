using System.Security.Cryptography;
using System.Text;
using PortusFunctions.Images;
using PortusFunctions.IntegrationTests.Infrastructure;
using PortusFunctions.Registry;
using PortusFunctions.Scanning;

namespace PortusFunctions.IntegrationTests.Scanning;

/// <summary>Hosts with a scanner configured, and manifests put straight into their image store.</summary>
internal static class ScanFixtures
{
    /// <summary>Scanner credential that hosts started here send to the adapter.</summary>
    public const string ScannerAuthorization = "Bearer scanner-test-key";

    /// <summary>User of the registry that hosts started here follow, which requires HTTP Basic authentication.</summary>
    public const string RegistryUser = "robot";

    /// <summary>Password of <see cref="RegistryUser"/>.</summary>
    public const string RegistryPassword = "pull-secret";

    // One registry for every scan test in the process: the scanners under test never pull from it, but the app
    // asks it which authentication it uses before handing a pull credential to the scanner.
    private static readonly Lazy<Task<Uri>> Registry = new(StartRegistryAsync);

    /// <summary>
    /// Starts a host that scans with the Harbor adapter at <paramref name="adapter"/>; its own schedule is once a year,
    /// so only the test runs the job.
    /// </summary>
    public static async Task<PortusHost> StartHostAsync(Uri adapter, IDictionary<string, string?>? overrides = null)
    {
        var registry = await Registry.Value;
        var settings = new Dictionary<string, string?>
        {
            ["Scan:Scanner"] = "harbor",
            ["Scan:Url"] = adapter.ToString(),
            ["Scan:Authorization"] = ScannerAuthorization,
            ["Scan:Schedule"] = "0 0 0 1 1 *",
            ["Scan:PollInterval"] = "00:00:00.100",
            ["Scan:RetryBackoff"] = "00:00:00",
            ["Registry:Url"] = registry.ToString(),
            ["Registry:Username"] = RegistryUser,
            ["Registry:Password"] = RegistryPassword,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return await PortusHost.StartAsync(overrides: settings);
    }

    private static async Task<Uri> StartRegistryAsync()
    {
        var registry = await RegistryServer.StartAsync(basicCredentials: (RegistryUser, RegistryPassword));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => registry.StopAsync().GetAwaiter().GetResult();
        return registry.Url;
    }

    /// <summary>Returns a digest unique to <paramref name="seed"/> and this test run.</summary>
    public static string NewDigest(string seed) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed + Guid.NewGuid())));

    /// <summary>Stores a push of an image manifest, as an event would.</summary>
    public static Task PushAsync(
        PortusHost host,
        string repository,
        string digest,
        string? tag,
        string? configMediaType = MediaTypes.OciConfig,
        string mediaType = MediaTypes.OciManifest,
        IReadOnlyList<ManifestChild>? children = null)
    {
        ArgumentNullException.ThrowIfNull(host);

        var details = children is null ? new ManifestDetails(1000, configMediaType, []) : new ManifestDetails(null, null, children);
        var version = ChangeVersion.At(DateTimeOffset.UtcNow, "test-" + Guid.NewGuid().ToString("N"));
        return host.Service<IImageStore>().ApplyAsync(new PushManifest(repository, version, digest, mediaType, details, tag), CancellationToken.None);
    }

    /// <summary>Runs one pass of the scan job.</summary>
    public static Task<PortusFunctions.Jobs.JobRun?> RunScanAsync(PortusHost host)
    {
        ArgumentNullException.ThrowIfNull(host);

        return host.Service<IScanJob>().RunOnceAsync(CancellationToken.None);
    }

    /// <summary>Returns the status row of <paramref name="digest"/>.</summary>
    public static Task<ScanStatusRecord?> StatusAsync(PortusHost host, string digest)
    {
        ArgumentNullException.ThrowIfNull(host);

        return host.Service<IScanStore>().GetAsync(digest, CancellationToken.None);
    }
}
