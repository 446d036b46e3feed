using System.Globalization;
using Microsoft.Extensions.Logging;
using PortusFunctions.Images;

namespace PortusFunctions.Sync;

/// <summary>
/// The end of a pass: the repositories read again, the deletion guard, an operator's confirmation, and the deletes.
/// </summary>
internal sealed partial class SyncRun
{
    /// <summary>Reads again the repositories that failed, decides on the pass's deletes, and ends the pass.</summary>
    private async Task<SyncOutcome> FinishPassAsync(CancellationToken readToken, CancellationToken cancellationToken)
    {
        var passId = _state.PassId!;
        var retries = new List<string>();
        await foreach (var repository in _services.Pending.ReadRetriesAsync(passId, cancellationToken).ConfigureAwait(false))
        {
            retries.Add(repository);
        }

        foreach (var repository in retries)
        {
            var outcome = PastDeadline
                ? RepositoryOutcome.Interrupted
                : await ProcessRepositoryAsync(repository, retrying: true, readToken, cancellationToken).ConfigureAwait(false);
            if (outcome == RepositoryOutcome.Interrupted)
            {
                await SaveProgressAsync(cancellationToken).ConfigureAwait(false);
                Message = $"Paused after the time budget while reading again the repositories of pass {passId} that failed.";
                return SyncOutcome.Paused;
            }

            if (outcome == RepositoryOutcome.Failed)
            {
                _state.PassErrors++;
            }

            await _services.Pending.RemoveRetryAsync(passId, repository, cancellationToken).ConfigureAwait(false);
        }

        if (PastDeadline)
        {
            await SaveProgressAsync(cancellationToken).ConfigureAwait(false);
            Message = $"Paused after the time budget before deciding on the deletes of pass {passId}.";
            return SyncOutcome.Paused;
        }

        var result = SyncOutcome.Completed;
        var deletes = "";
        if (!CollectsDeletes)
        {
            await _services.Pending.DeletePassAsync(passId, cancellationToken).ConfigureAwait(false);
            await DropHeldDeletesAsync(passId, cancellationToken).ConfigureAwait(false);
        }
        else if (_state.PassAnomaly is { } anomaly)
        {
            await _services.Pending.DeletePassAsync(passId, cancellationToken).ConfigureAwait(false);
            await DropHeldDeletesAsync(passId, cancellationToken).ConfigureAwait(false);
            deletes = $" It deleted nothing because {anomaly}.";
            LogNoDeletes(passId, anomaly);
        }
        else
        {
            (result, deletes) = await DecideDeletesAsync(passId, cancellationToken).ConfigureAwait(false);
        }

        if (_settings.Strategy == SyncStrategy.Initial)
        {
            _state.InitialImportFinishedAt ??= _services.Clock.GetUtcNow();
        }

        var errors = _state.PassErrors;
        _state.EndPass(_services.Clock.GetUtcNow());
        await SaveProgressAsync(cancellationToken).ConfigureAwait(false);
        LogPassFinished(passId, errors);
        Message = $"Pass {passId} finished; {errors} repositories could not be read in it.{deletes}";

        if (string.Equals(_state.ApplyingPassId, passId, StringComparison.Ordinal)
            && !await ApplyDeletesAsync(passId, cancellationToken).ConfigureAwait(false))
        {
            Message += " Paused after the time budget while applying its deletes.";
            return SyncOutcome.Paused;
        }

        return result;
    }

    /// <summary>Lets the guard decide on the deletes of a pass that read the whole catalog without an anomaly.</summary>
    private async Task<(SyncOutcome Outcome, string Message)> DecideDeletesAsync(string passId, CancellationToken cancellationToken)
    {
        await DropHeldDeletesAsync(passId, cancellationToken).ConfigureAwait(false);
        var pending = await _services.Pending.CountDeletesAsync(passId, cancellationToken).ConfigureAwait(false);
        if (pending.Total == 0)
        {
            return (SyncOutcome.Completed, " The registry contains everything the store shows.");
        }

        var totals = await _services.Reader.TotalsAsync(cancellationToken).ConfigureAwait(false);
        var share = DeleteGuard.Share(pending, totals);
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"{pending.Tags} tags, {pending.Manifests} manifests and {pending.Repositories} repositories holding {pending.TagsInRepositories} tags, {share:P1} of the store");
        if (DeleteGuard.Allows(share, _settings.DeleteGuardRatio))
        {
            _state.ApplyingPassId = passId;
            return (SyncOutcome.Completed, $" It deletes {summary}.");
        }

        _state.HeldPassId = passId;
        _state.HeldAt = _services.Clock.GetUtcNow();
        _state.HeldSummary = summary;
        _run.Counts["DeletesHeld"] = pending.Total;
        LogDeletesHeld(passId, summary, _settings.DeleteGuardRatio);
        return (SyncOutcome.Held, string.Create(
            CultureInfo.InvariantCulture,
            $" It would delete {summary}, more than Sync__DeleteGuardRatio {_settings.DeleteGuardRatio}, so it deleted nothing; POST /api/sync?confirmDeletes=true with the admin key applies them."));
    }

    /// <summary>Drops the deletes an earlier pass held back: a newer pass has read the registry since.</summary>
    private async Task DropHeldDeletesAsync(string passId, CancellationToken cancellationToken)
    {
        if (_state.HeldPassId is not { } held || string.Equals(held, passId, StringComparison.Ordinal))
        {
            return;
        }

        await _services.Pending.DeletePassAsync(held, cancellationToken).ConfigureAwait(false);
        _state.HeldPassId = null;
        _state.HeldAt = null;
        _state.HeldSummary = null;
    }

    private async Task<string> ApplyConfirmedDeletesAsync(CancellationToken cancellationToken)
    {
        if (_state.HeldPassId is not { } held)
        {
            return "No deletes were held back, so there was nothing to confirm.";
        }

        var summary = _state.HeldSummary;
        LogDeletesConfirmed(held, summary ?? "");
        _run.Properties["ConfirmedPass"] = held;
        _state.HeldPassId = null;
        _state.HeldAt = null;
        _state.HeldSummary = null;
        await ApplyDeletesAsync(held, cancellationToken).ConfigureAwait(false);
        return $"Applied the confirmed deletes of pass {held}: {summary}.";
    }

    /// <summary>
    /// Applies the deletes of a pass repository by repository; returns false when the time budget ended first. No
    /// repository's deletes start after the deadline.
    /// </summary>
    private async Task<bool> ApplyDeletesAsync(string passId, CancellationToken cancellationToken)
    {
        _state.ApplyingPassId = passId;
        await SaveProgressAsync(cancellationToken).ConfigureAwait(false);

        var group = new List<PendingDelete>();
        await foreach (var delete in _services.Pending.ReadDeletesAsync(passId, cancellationToken).ConfigureAwait(false))
        {
            if (group.Count > 0 && !string.Equals(group[0].Repository, delete.Repository, StringComparison.Ordinal))
            {
                await ApplyGroupAsync(passId, group, cancellationToken).ConfigureAwait(false);
                group = [];
            }

            if (group.Count == 0 && PastDeadline)
            {
                await SaveProgressAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }

            group.Add(delete);
        }

        if (group.Count > 0)
        {
            await ApplyGroupAsync(passId, group, cancellationToken).ConfigureAwait(false);
        }

        _state.ApplyingPassId = null;
        await SaveProgressAsync(cancellationToken).ConfigureAwait(false);
        LogDeletesApplied(passId);
        return true;
    }

    private async Task ApplyGroupAsync(string passId, IReadOnlyList<PendingDelete> group, CancellationToken cancellationToken)
    {
        IReadOnlyList<ImageCommand> commands = [.. group.Select(delete => delete.ToCommand())];
        await _writer.ApplyAsync(group[0].Repository, (_, _) => Task.FromResult(commands), cancellationToken).ConfigureAwait(false);
        await _services.Pending.RemoveDeletesAsync(passId, group, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3141, Level = LogLevel.Information, Message = "Sync pass {PassId} finished; {Errors} repositories could not be read in it")]
    private partial void LogPassFinished(string passId, long errors);

    [LoggerMessage(EventId = 3143, Level = LogLevel.Warning, Message = "Sync pass {PassId} read the whole catalog but deleted nothing because {Anomaly}")]
    private partial void LogNoDeletes(string passId, string anomaly);

    [LoggerMessage(EventId = 3144, Level = LogLevel.Warning, Message = "Sync pass {PassId} would delete {Summary}, more than Sync__DeleteGuardRatio {Ratio}; nothing was deleted. POST /api/sync?confirmDeletes=true with the admin key applies them")]
    private partial void LogDeletesHeld(string passId, string summary, double ratio);

    [LoggerMessage(EventId = 3145, Level = LogLevel.Information, Message = "An operator confirmed the held deletes of sync pass {PassId}: {Summary}")]
    private partial void LogDeletesConfirmed(string passId, string summary);

    [LoggerMessage(EventId = 3146, Level = LogLevel.Information, Message = "Sync pass {PassId} applied its deletes")]
    private partial void LogDeletesApplied(string passId);
}
