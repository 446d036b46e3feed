using Microsoft.AspNetCore.Http;
using PortusFunctions.Jobs;
using PortusFunctions.Storage;
using PortusFunctions.Sync;

namespace PortusFunctions.Http;

/// <summary><c>POST /api/sync</c> (admin key) and <c>GET /api/sync/status</c> (reader key).</summary>
public sealed class SyncEndpoints
{
    /// <summary>Path that runs one sync run now.</summary>
    public const string RunRoute = "api/sync";

    /// <summary>Path of the sync status.</summary>
    public const string StatusRoute = "api/sync/status";

    private readonly ISyncService _sync;
    private readonly ApiAccess _access;

    /// <summary>Creates the endpoints.</summary>
    public SyncEndpoints(ISyncService sync, ApiAccess access)
    {
        _sync = sync;
        _access = access;
    }

    /// <summary>
    /// Runs one sync run now and returns its row. With <c>?confirmDeletes=true</c> it first confirms the deletes the
    /// guard held back; the pass that reads the whole catalog next applies those of them it proves again. Returns 409
    /// when another run holds the lease or the sync is off, and 502 when the run failed.
    /// </summary>
    public async Task<IResult> RunAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        if (_access.RequireAdmin(request) is { } denied)
        {
            return denied;
        }

        var confirm = request.Query["confirmDeletes"].ToString();
        if (!TryParseFlag(confirm, out var confirmDeletes))
        {
            return Problems.Result(
                StatusCodes.Status400BadRequest,
                "Invalid confirmDeletes",
                $"Query parameter confirmDeletes = '{confirm}' is not a boolean: send confirmDeletes=true to apply held deletes, or leave it out.");
        }

        SyncRunResult result;
        try
        {
            result = await _sync.RunAsync(SyncTrigger.Manual, confirmDeletes, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException exception)
        {
            return Problems.StorageUnavailable(exception.Message);
        }

        return result.Outcome switch
        {
            SyncOutcome.Completed or SyncOutcome.Paused or SyncOutcome.Held or SyncOutcome.NothingToDo =>
                Results.Json(ToResponse(result), ApiJson.Api.SyncRunResponse),
            SyncOutcome.Skipped => Problems.Result(StatusCodes.Status409Conflict, "Sync already running", result.Message + " Try again when it finished; GET /api/sync/status shows it."),
            SyncOutcome.Disabled => Problems.Result(StatusCodes.Status409Conflict, "Sync disabled", "Sync__Strategy is disabled: set it to initial, update or update-delete to run the sync."),
            SyncOutcome.NotConfigured => Problems.Result(StatusCodes.Status409Conflict, "No registry configured", "Registry__Url is empty: set it to the registry's base URL to run the sync."),
            _ => Problems.Result(StatusCodes.Status502BadGateway, "Sync run failed", result.Message),
        };
    }

    /// <summary>Returns the strategy, the current or last run, the pass in progress and held deletes.</summary>
    public async Task<IResult> StatusAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (_access.RequireReader(request) is { } denied)
        {
            return denied;
        }

        try
        {
            var status = await _sync.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(ToResponse(status), ApiJson.Api.SyncStatusResponse);
        }
        catch (StorageUnavailableException exception)
        {
            return Problems.StorageUnavailable(exception.Message);
        }
    }

    private static bool TryParseFlag(string value, out bool flag)
    {
        if (string.IsNullOrEmpty(value))
        {
            flag = false;
            return true;
        }

        return bool.TryParse(value, out flag);
    }

    private static SyncRunResponse ToResponse(SyncRunResult result) =>
        new(OutcomeName(result.Outcome), result.Message, result.Run is null ? null : ToView(result.Run));

    private static string OutcomeName(SyncOutcome outcome) => outcome switch
    {
        SyncOutcome.Completed => "completed",
        SyncOutcome.Paused => "paused",
        SyncOutcome.Held => "held",
        SyncOutcome.NothingToDo => "nothing-to-do",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    private static SyncStatusResponse ToResponse(SyncStatus status)
    {
        var state = status.State;
        var pass = state.PassId is null && state.ApplyingPassId is null
            ? null
            : new SyncPassView(state.PassId, state.PassStartedAt, state.Cursor, state.CatalogComplete, state.PassAnomaly, state.ApplyingPassId);
        var hold = state.HeldPassId is null
            ? null
            : new SyncHeldDeletesView(state.HeldPassId, state.HeldPassStartedAt, state.HeldAt, state.HeldSummary, state.HeldConfirmedAt);
        return new SyncStatusResponse(
            status.Strategy,
            status.Run is null ? null : ToView(status.Run),
            pass,
            hold,
            state.InitialImportFinishedAt,
            state.LastPassFinishedAt);
    }

    private static SyncRunView ToView(JobRun run) => new(
        run.RunId,
        run.Status,
        run.Properties.TryGetValue("Strategy", out var strategy) ? strategy : null,
        run.Properties.TryGetValue("Trigger", out var trigger) ? trigger : null,
        run.StartedAt,
        run.FinishedAt,
        run.Message,
        run.Properties.TryGetValue("StartCursor", out var start) && start.Length > 0 ? start : null,
        run.Cursor,
        new SortedDictionary<string, long>(run.Counts, StringComparer.Ordinal));
}

/// <summary>Body of <c>POST /api/sync</c>.</summary>
/// <param name="Outcome"><c>completed</c>, <c>paused</c>, <c>held</c> or <c>nothing-to-do</c>.</param>
/// <param name="Message">What the run did, in one sentence.</param>
/// <param name="Run">The run row.</param>
public sealed record SyncRunResponse(string Outcome, string Message, SyncRunView? Run);

/// <summary>A sync run row.</summary>
/// <param name="RunId">Run id: the UTC start time and a random suffix.</param>
/// <param name="Status"><c>running</c>, <c>completed</c>, <c>paused</c>, <c>held</c> or <c>failed</c>.</param>
/// <param name="Strategy">Strategy the run used.</param>
/// <param name="Trigger"><c>schedule</c> or <c>manual</c>.</param>
/// <param name="StartedAt">When the run started.</param>
/// <param name="FinishedAt">When it ended, or null while it runs.</param>
/// <param name="Message">What it did or why it stopped.</param>
/// <param name="StartCursor">Catalog name the run continued after, or null when it started a pass.</param>
/// <param name="Cursor">Catalog name the run reached, or null when it finished its pass.</param>
/// <param name="Counts">RepositoriesRead, TagsRead, Added, Updated, Deleted, Skipped, Errors, and DeletesHeld when the guard held deletes.</param>
public sealed record SyncRunView(
    string RunId,
    string Status,
    string? Strategy,
    string? Trigger,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Message,
    string? StartCursor,
    string? Cursor,
    IReadOnlyDictionary<string, long> Counts);

/// <summary>Body of <c>GET /api/sync/status</c>.</summary>
/// <param name="Strategy">The configured strategy.</param>
/// <param name="Run">The current or last run, or null when none ran.</param>
/// <param name="Pass">The pass in progress, or null between passes.</param>
/// <param name="HeldDeletes">Deletes the guard held back, or null when none wait for confirmation.</param>
/// <param name="InitialImportFinishedAt">When the initial import finished, or null.</param>
/// <param name="LastPassFinishedAt">When the last pass finished, or null.</param>
public sealed record SyncStatusResponse(
    string Strategy,
    SyncRunView? Run,
    SyncPassView? Pass,
    SyncHeldDeletesView? HeldDeletes,
    DateTimeOffset? InitialImportFinishedAt,
    DateTimeOffset? LastPassFinishedAt);

/// <summary>The pass in progress.</summary>
/// <param name="Id">Pass id, or null when only the deletes of a finished pass remain.</param>
/// <param name="StartedAt">When the pass started.</param>
/// <param name="Cursor">Last catalog name done.</param>
/// <param name="CatalogComplete">Whether the catalog was read to its end.</param>
/// <param name="Anomaly">Why the pass deletes nothing, or null.</param>
/// <param name="ApplyingDeletes">Pass whose deletes are being applied, or null.</param>
public sealed record SyncPassView(string? Id, DateTimeOffset? StartedAt, string? Cursor, bool CatalogComplete, string? Anomaly, string? ApplyingDeletes);

/// <summary>Deletes the guard held back.</summary>
/// <param name="PassId">Pass that proved them.</param>
/// <param name="PassStartedAt">When that pass started reading the registry; its reads proved them from then on.</param>
/// <param name="HeldAt">When that pass finished reading the catalog and the guard held them back.</param>
/// <param name="Summary">What they would remove.</param>
/// <param name="ConfirmedAt">
/// When an operator confirmed them, or null. Once confirmed, the pass that reads the whole catalog next applies
/// those of them that it proves again.
/// </param>
public sealed record SyncHeldDeletesView(
    string PassId,
    DateTimeOffset? PassStartedAt,
    DateTimeOffset? HeldAt,
    string? Summary,
    DateTimeOffset? ConfirmedAt);
