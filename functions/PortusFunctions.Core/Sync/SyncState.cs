using Azure.Data.Tables;

namespace PortusFunctions.Sync;

/// <summary>
/// What the sync keeps between runs, in the state row of job <c>sync</c>: the pass in progress and its cursor,
/// deletes held back by the guard, and whether the initial import finished.
/// </summary>
/// <remarks>
/// A pass reads the whole catalog once, over as many runs as its size needs. Its deletes wait in
/// <see cref="SyncPendingStore"/> until the catalog was read to its end, because only a complete read proves a
/// repository absent and only the total shows the guard how much of the store would go.
/// </remarks>
public sealed class SyncState
{
    /// <summary>Id of the pass in progress, or null when the next run starts a new pass.</summary>
    public string? PassId { get; set; }

    /// <summary>When the pass in progress started.</summary>
    public DateTimeOffset? PassStartedAt { get; set; }

    /// <summary>Last catalog name of the pass whose repository and preceding gap are done; null at the start of a pass.</summary>
    public string? Cursor { get; set; }

    /// <summary>Whether the pass read the catalog to its end and only its retries and deletes remain.</summary>
    public bool CatalogComplete { get; set; }

    /// <summary>Why the pass in progress must not delete anything, or null when it may.</summary>
    public string? PassAnomaly { get; set; }

    /// <summary>Repositories the pass could not read, even after its retries.</summary>
    public long PassErrors { get; set; }

    /// <summary>Pass whose deletes the guard held back, waiting for an operator's confirmation.</summary>
    public string? HeldPassId { get; set; }

    /// <summary>When the held pass started reading the registry; its reads proved the held deletes from then on.</summary>
    public DateTimeOffset? HeldPassStartedAt { get; set; }

    /// <summary>When the held pass finished reading the catalog and the guard held its deletes back.</summary>
    public DateTimeOffset? HeldAt { get; set; }

    /// <summary>What the held deletes would remove, in one sentence.</summary>
    public string? HeldSummary { get; set; }

    /// <summary>
    /// When an operator confirmed the held deletes, or null while they wait for a confirmation. The next pass that
    /// reads the whole catalog applies those of them that it proves again.
    /// </summary>
    public DateTimeOffset? HeldConfirmedAt { get; set; }

    /// <summary>Pass whose deletes are being applied; set until every one is applied, so a crash resumes them.</summary>
    public string? ApplyingPassId { get; set; }

    /// <summary>When the initial import finished, or null when it has not.</summary>
    public DateTimeOffset? InitialImportFinishedAt { get; set; }

    /// <summary>When the last pass finished.</summary>
    public DateTimeOffset? LastPassFinishedAt { get; set; }

    /// <summary>Reads the state from its row; an absent row is the state of a sync that never ran.</summary>
    public static SyncState From(TableEntity? row)
    {
        if (row is null)
        {
            return new SyncState();
        }

        return new SyncState
        {
            PassId = row.GetString(nameof(PassId)),
            PassStartedAt = row.GetDateTimeOffset(nameof(PassStartedAt)),
            Cursor = row.GetString(nameof(Cursor)),
            CatalogComplete = row.GetBoolean(nameof(CatalogComplete)) ?? false,
            PassAnomaly = row.GetString(nameof(PassAnomaly)),
            PassErrors = row.GetInt64(nameof(PassErrors)) ?? 0,
            HeldPassId = row.GetString(nameof(HeldPassId)),
            HeldPassStartedAt = row.GetDateTimeOffset(nameof(HeldPassStartedAt)),
            HeldAt = row.GetDateTimeOffset(nameof(HeldAt)),
            HeldSummary = row.GetString(nameof(HeldSummary)),
            HeldConfirmedAt = row.GetDateTimeOffset(nameof(HeldConfirmedAt)),
            ApplyingPassId = row.GetString(nameof(ApplyingPassId)),
            InitialImportFinishedAt = row.GetDateTimeOffset(nameof(InitialImportFinishedAt)),
            LastPassFinishedAt = row.GetDateTimeOffset(nameof(LastPassFinishedAt)),
        };
    }

    /// <summary>Returns the columns of the state row.</summary>
    public IDictionary<string, object?> ToColumns() => new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        [nameof(PassId)] = PassId,
        [nameof(PassStartedAt)] = PassStartedAt,
        [nameof(Cursor)] = Cursor,
        [nameof(CatalogComplete)] = CatalogComplete,
        [nameof(PassAnomaly)] = PassAnomaly,
        [nameof(PassErrors)] = PassErrors,
        [nameof(HeldPassId)] = HeldPassId,
        [nameof(HeldPassStartedAt)] = HeldPassStartedAt,
        [nameof(HeldAt)] = HeldAt,
        [nameof(HeldSummary)] = HeldSummary,
        [nameof(HeldConfirmedAt)] = HeldConfirmedAt,
        [nameof(ApplyingPassId)] = ApplyingPassId,
        [nameof(InitialImportFinishedAt)] = InitialImportFinishedAt,
        [nameof(LastPassFinishedAt)] = LastPassFinishedAt,
    };

    /// <summary>Forgets the held deletes and their confirmation.</summary>
    public void ClearHeld()
    {
        HeldPassId = null;
        HeldPassStartedAt = null;
        HeldAt = null;
        HeldSummary = null;
        HeldConfirmedAt = null;
    }

    /// <summary>Ends the pass in progress, so the next run starts a new one.</summary>
    public void EndPass(DateTimeOffset now)
    {
        PassId = null;
        PassStartedAt = null;
        Cursor = null;
        CatalogComplete = false;
        PassAnomaly = null;
        PassErrors = 0;
        LastPassFinishedAt = now;
    }
}
