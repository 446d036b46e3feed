namespace PortusFunctions.Scanning;

/// <summary>The scanner client while <c>Scan__Scanner</c> is <c>none</c>; the scan job never calls it.</summary>
internal sealed class NoScannerClient : IScannerClient
{
    public string Kind => ScannerKinds.None;

    public Task<ScannerInfo> GetInfoAsync(CancellationToken cancellationToken) =>
        throw new InvalidOperationException("No scanner is configured: set Scan__Scanner to harbor, clair or fake.");

    public Task<ScanResult> ScanAsync(ScanTarget target, ScannerInfo scanner, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("No scanner is configured: set Scan__Scanner to harbor, clair or fake.");
}
