namespace PortusFunctions.Scanning;

/// <summary>A vulnerability scanner, reached through its own API.</summary>
public interface IScannerClient
{
    /// <summary>A <see cref="ScannerKinds"/> value.</summary>
    string Kind { get; }

    /// <summary>Reads the scanner's name, version and the state of its vulnerability database.</summary>
    /// <exception cref="ScannerUnavailableException">The scanner cannot be reached or returned an error.</exception>
    Task<ScannerInfo> GetInfoAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Scans one single-platform manifest and returns its report, or the reason why there is none. Expected
    /// failures, such as a scan that failed or a scanner that cannot be reached, are results, not exceptions.
    /// </summary>
    /// <param name="target">What to scan.</param>
    /// <param name="scanner">What <see cref="GetInfoAsync"/> returned at the start of the run.</param>
    /// <param name="cancellationToken">Ends the scan, for example when <see cref="ScanOptions.ScanTimeout"/> passes.</param>
    Task<ScanResult> ScanAsync(ScanTarget target, ScannerInfo scanner, CancellationToken cancellationToken);
}

/// <summary>The scanner could not be reached or returned an error, so nothing can be scanned now.</summary>
public sealed class ScannerUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ScannerUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ScannerUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure that caused it.</summary>
    public ScannerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
