using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PortusFunctions.Scanning.Fake;

/// <summary>
/// A scanner for development and demonstrations that contacts nothing: each digest gets between zero and five
/// made-up findings derived from its hash, the same ones on every scan. Used only with <c>Scan__Scanner=fake</c>.
/// </summary>
public sealed class FakeScannerClient : IScannerClient
{
    /// <summary>Name the fake scanner reports.</summary>
    public const string Name = "Fake scanner";

    private static readonly string[] Packages = ["openssl", "zlib", "glibc", "busybox", "curl", "libxml2", "sqlite", "expat"];

    private readonly TimeProvider _clock;

    /// <summary>Creates the scanner.</summary>
    public FakeScannerClient(TimeProvider clock)
    {
        _clock = clock;
    }

    /// <inheritdoc/>
    public string Kind => ScannerKinds.Fake;

    /// <inheritdoc/>
    public Task<ScannerInfo> GetInfoAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new ScannerInfo(Name, "PortusFunctions", "1.0", "fake-database-1", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)));

    /// <inheritdoc/>
    public Task<ScanResult> ScanAsync(ScanTarget target, ScannerInfo scanner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);

        return Task.FromResult(ScanResult.Completed(new ScanReport(scanner, _clock.GetUtcNow(), FindingsFor(target.Digest))));
    }

    /// <summary>Returns the made-up findings of <paramref name="digest"/>.</summary>
    public static IReadOnlyList<Finding> FindingsFor(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(digest));
        var count = hash[0] % 6;
        var findings = new List<Finding>(count);
        for (var i = 0; i < count; i++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"FAKE-{2020 + hash[i + 1] % 6}-{1000 + hash[i + 2] * 7}");
            var severity = Severities.All[hash[i + 3] % Severities.All.Count];
            var package = Packages[hash[i + 4] % Packages.Length];
            var minor = hash[i + 5] % 10;
            findings.Add(new Finding(
                id,
                package,
                string.Create(CultureInfo.InvariantCulture, $"1.{minor}.0"),
                hash[i + 6] % 3 == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"1.{minor}.1"),
                severity,
                Math.Round(hash[i + 7] % 100 / 10.0, 1),
                [$"https://example.invalid/advisories/{id}"]));
        }

        return findings;
    }
}
