namespace PortusFunctions.Storage;

/// <summary>Names of the app's tables, before <see cref="StorageOptions.TablePrefix"/> is applied.</summary>
public static class TableNames
{
    /// <summary>One partition per repository: its summary row, tag rows and manifest rows.</summary>
    public const string Images = "Images";

    /// <summary>One row per repository name, with tag and manifest counts, for listing.</summary>
    public const string Repositories = "Repositories";

    /// <summary>Every accepted registry event, keyed by arrival minute and event id, with its outcome.</summary>
    public const string Inbox = "Inbox";

    /// <summary>Events that cannot be applied, with the reason and the raw event.</summary>
    public const string Quarantine = "Quarantine";

    /// <summary>Leases, cursors and run rows of the scheduled jobs.</summary>
    public const string Jobs = "Jobs";

    /// <summary>
    /// Work a catalog sync pass keeps until the catalog was read to its end: deletes it proved, and repositories to
    /// read again; one partition per pass.
    /// </summary>
    public const string SyncPending = "SyncPending";
}
