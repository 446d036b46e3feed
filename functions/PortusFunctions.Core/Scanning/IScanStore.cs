namespace PortusFunctions.Scanning;

/// <summary>Scan status rows and the findings of vulnerability reports.</summary>
public interface IScanStore
{
    /// <summary>Returns the status of <paramref name="digest"/>, or null when it has none.</summary>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached.</exception>
    Task<ScanStatusRecord?> GetAsync(string digest, CancellationToken cancellationToken);

    /// <summary>Returns the status of each digest that has one.</summary>
    Task<IReadOnlyDictionary<string, ScanStatusRecord>> GetManyAsync(IEnumerable<string> digests, CancellationToken cancellationToken);

    /// <summary>Returns every status row.</summary>
    Task<IReadOnlyList<ScanStatusRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Inserts a status row; returns false when the digest has one already.</summary>
    Task<bool> TryAddAsync(ScanStatusRecord record, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the status row if it still has the ETag of <paramref name="record"/>, and returns the record with its
    /// new ETag; returns null when another writer changed or removed the row meanwhile.
    /// </summary>
    Task<ScanStatusRecord?> TryReplaceAsync(ScanStatusRecord record, CancellationToken cancellationToken);

    /// <summary>Writes the findings of one report generation, in the given order.</summary>
    Task WriteFindingsAsync(string digest, string generation, IReadOnlyList<Finding> findings, CancellationToken cancellationToken);

    /// <summary>Reads the findings of one report generation, in the order they were written.</summary>
    Task<IReadOnlyList<Finding>> ReadFindingsAsync(string digest, string generation, CancellationToken cancellationToken);

    /// <summary>Deletes every finding of one report generation; nothing happens when there is none.</summary>
    Task DeleteFindingsAsync(string digest, string generation, CancellationToken cancellationToken);
}
