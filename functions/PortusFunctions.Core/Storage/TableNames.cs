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

    /// <summary>One row per manifest digest with its scan status and the summary of its vulnerability report.</summary>
    public const string ScanStatus = "ScanStatus";

    /// <summary>The findings of each vulnerability report, one partition per digest and report generation.</summary>
    public const string ScanFindings = "ScanFindings";

    /// <summary>Outgoing webhook subscriptions, one row each.</summary>
    public const string Subscriptions = "Subscriptions";

    /// <summary>Outgoing webhook deliveries, one partition per subscription in the order of the changes.</summary>
    public const string Outbox = "Outbox";

    /// <summary>
    /// Work a catalog sync pass keeps until the catalog was read to its end: deletes it proved, and repositories to
    /// read again; one partition per pass.
    /// </summary>
    public const string SyncPending = "SyncPending";
}
