using PortusFunctions.Jobs;

namespace PortusFunctions.Sync;

/// <summary>Runs the catalog synchronization and reports its progress.</summary>
public interface ISyncService
{
    /// <summary>Runs one sync run now, unless another run holds the lease.</summary>
    /// <param name="trigger">What started the run.</param>
    /// <param name="confirmDeletes">Whether an operator confirmed the deletes the guard held back.</param>
    /// <param name="cancellationToken">Stops the run; its cursor stays where the last page ended.</param>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached to take the lease or read the state.</exception>
    Task<SyncRunResult> RunAsync(SyncTrigger trigger, bool confirmDeletes, CancellationToken cancellationToken);

    /// <summary>Returns the strategy, the current or last run, the pass in progress and held deletes.</summary>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached.</exception>
    Task<SyncStatus> GetStatusAsync(CancellationToken cancellationToken);
}

/// <summary>What started a sync run.</summary>
public enum SyncTrigger
{
    /// <summary>The timer.</summary>
    Schedule,

    /// <summary><c>POST /api/sync</c>.</summary>
    Manual,
}

/// <summary>How a request to run ended.</summary>
public enum SyncOutcome
{
    /// <summary>The run finished its pass, or the work that was due.</summary>
    Completed,

    /// <summary>The run used its time budget and saved its cursor for the next run.</summary>
    Paused,

    /// <summary>The pass finished, and the guard held its deletes back.</summary>
    Held,

    /// <summary>The run stopped on an error; its cursor stays at the last page it finished.</summary>
    Failed,

    /// <summary>Another run holds the lease, so this one did nothing.</summary>
    Skipped,

    /// <summary><c>Sync__Strategy</c> is <c>disabled</c>.</summary>
    Disabled,

    /// <summary><c>Registry__Url</c> is empty.</summary>
    NotConfigured,

    /// <summary>The initial import finished earlier, so a scheduled run has nothing to do.</summary>
    NothingToDo,
}

/// <summary>The result of a request to run.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="Message">What happened, in one sentence.</param>
/// <param name="Run">The run row, or null when no run started.</param>
public sealed record SyncRunResult(SyncOutcome Outcome, string Message, JobRun? Run);

/// <summary>The state of the sync for the status endpoint.</summary>
/// <param name="Strategy">The configured strategy.</param>
/// <param name="Run">The current or last run, or null when none ran.</param>
/// <param name="State">Pass, cursor, held deletes and the initial import.</param>
public sealed record SyncStatus(string Strategy, JobRun? Run, SyncState State);
