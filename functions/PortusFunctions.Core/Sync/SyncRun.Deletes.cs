using System.Globalization;
using Microsoft.Extensions.Logging;
using PortusFunctions.Images;

namespace PortusFunctions.Sync;

/// <summary>
/// The end of a pass: the repositories read again, the deletion guard, an operator's confirmation, and the deletes.
/// </summary>
/// <remarks>
/// A confirmation never applies held deletes as they were proved, because the registry may have changed since: a
/// registry that briefly listed an empty catalog makes a pass hold back a delete of everything. Instead the pass in
/// progress, or the next one, decides when it has read the whole catalog. It applies only its own deletes, which its
/// fresh read proved, and the guard counts only those of them that the confirmed pass did not prove too. So a stale
/// hold deletes nothing the registry still holds, and a real large deletion goes ahead.
/// </remarks>
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
            var strategy = SyncStrategies.NameOf(_settings.Strategy);
            deletes = await DropHeldDeletesAsync(passId, $"Sync__Strategy {strategy} never deletes", cancellationToken).ConfigureAwait(false);
        }
        else if (_state.PassAnomaly is { } anomaly)
        {
            await _services.Pending.DeletePassAsync(passId, cancellationToken).ConfigureAwait(false);
            var dropped = await DropHeldDeletesAsync(passId, "this pass proved nothing absent", cancellationToken).ConfigureAwait(false);
            deletes = $" It deleted nothing because {anomaly}.{dropped}";
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

    /// <summary>
    /// Lets the guard decide on the deletes of a pass that read the whole catalog without an anomaly. Deletes that
    /// an operator confirmed, held back from an earlier pass, and that this pass proved again do not count against
    /// the guard.
    /// </summary>
    private async Task<(SyncOutcome Outcome, string Message)> DecideDeletesAsync(string passId, CancellationToken cancellationToken)
    {
        var confirmedPass = _state.HeldConfirmedAt is null ? null : _state.HeldPassId;
        var (pending, reproved) = await _services.Pending.CountDeletesAsync(passId, confirmedPass, cancellationToken).ConfigureAwait(false);
        var recheck = "";
        if (confirmedPass is not null)
        {
            var confirmed = await _services.Pending.CountDeletesAsync(confirmedPass, cancellationToken).ConfigureAwait(false);
            recheck = $" It proved again {reproved.Total} of the {confirmed.Total} confirmed deletes of pass {confirmedPass}.";
            LogConfirmedDeletesChecked(passId, reproved.Total, confirmed.Total, confirmedPass);
        }

        await DropHeldDeletesAsync(passId, "this pass decided on its own deletes", cancellationToken).ConfigureAwait(false);
        if (pending.Total == 0)
        {
            return (SyncOutcome.Completed, recheck + " The registry contains everything the store shows.");
        }

        var totals = await _services.Reader.TotalsAsync(cancellationToken).ConfigureAwait(false);
        var summary = Summarize(pending, DeleteGuard.Share(pending, totals));
        var unconfirmedShare = DeleteGuard.Share(pending.Without(reproved), totals);
        if (DeleteGuard.Allows(unconfirmedShare, _settings.DeleteGuardRatio))
        {
            _state.ApplyingPassId = passId;
            return (SyncOutcome.Completed, $"{recheck} It deletes {summary}.");
        }

        _state.HeldPassId = passId;
        _state.HeldPassStartedAt = _state.PassStartedAt;
        _state.HeldAt = _services.Clock.GetUtcNow();
        _state.HeldSummary = summary;
        _run.Counts["DeletesHeld"] = pending.Total;
        LogDeletesHeld(passId, summary, _settings.DeleteGuardRatio);
        var beyond = reproved.Total > 0 ? " with the confirmed ones left out" : "";
        return (SyncOutcome.Held, string.Create(
            CultureInfo.InvariantCulture,
            $"{recheck} It would delete {summary}, more than Sync__DeleteGuardRatio {_settings.DeleteGuardRatio}{beyond}, so it deleted nothing. POST /api/sync?confirmDeletes=true with the admin key lets the next pass that reads the whole catalog apply what it proves again."));
    }

    private static string Summarize(PendingDeleteCounts deletes, double share) => string.Create(
        CultureInfo.InvariantCulture,
        $"{deletes.Tags} tags, {deletes.Manifests} manifests and {deletes.Repositories} repositories holding {deletes.TagsInRepositories} tags, {share:P1} of the store");

    /// <summary>
    /// Drops the deletes an earlier pass held back, because a newer pass has read the registry since. Returns a
    /// sentence for the run's message when an operator had confirmed them, naming <paramref name="reason"/>.
    /// </summary>
    private async Task<string> DropHeldDeletesAsync(string passId, string reason, CancellationToken cancellationToken)
    {
        if (_state.HeldPassId is not { } heldPass || string.Equals(heldPass, passId, StringComparison.Ordinal))
        {
            return "";
        }

        var confirmed = _state.HeldConfirmedAt is not null;
        await _services.Pending.DeletePassAsync(heldPass, cancellationToken).ConfigureAwait(false);
        _state.ClearHeld();
        return confirmed ? $" The confirmed deletes of pass {heldPass} were not applied, because {reason}." : "";
    }

    /// <summary>
    /// Records an operator's confirmation of the held deletes. Nothing is deleted here: the pass that reads the whole
    /// catalog next applies those of them that it proves again.
    /// </summary>
    private async Task<string> ConfirmHeldDeletesAsync(CancellationToken cancellationToken)
    {
        if (_state.HeldPassId is not { } heldPass)
        {
            return "No deletes were held back, so there was nothing to confirm.";
        }

        var summary = _state.HeldSummary ?? "";
        _state.HeldConfirmedAt ??= _services.Clock.GetUtcNow();
        _run.Properties["ConfirmedPass"] = heldPass;
        LogDeletesConfirmed(heldPass, summary);
        await SaveProgressAsync(cancellationToken).ConfigureAwait(false);
        return $"Confirmed the held deletes of pass {heldPass} ({summary}); the pass that reads the whole catalog next applies those of them that it proves again.";
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

    [LoggerMessage(EventId = 3144, Level = LogLevel.Warning, Message = "Sync pass {PassId} would delete {Summary}, more than Sync__DeleteGuardRatio {Ratio}; nothing was deleted. POST /api/sync?confirmDeletes=true with the admin key lets the next complete pass apply what it proves again")]
    private partial void LogDeletesHeld(string passId, string summary, double ratio);

    [LoggerMessage(EventId = 3145, Level = LogLevel.Information, Message = "An operator confirmed the held deletes of sync pass {PassId}: {Summary}; the next pass that reads the whole catalog applies those it proves again")]
    private partial void LogDeletesConfirmed(string passId, string summary);

    [LoggerMessage(EventId = 3146, Level = LogLevel.Information, Message = "Sync pass {PassId} applied its deletes")]
    private partial void LogDeletesApplied(string passId);

    [LoggerMessage(EventId = 3151, Level = LogLevel.Information, Message = "Sync pass {PassId} proved again {Reproved} of the {Held} confirmed deletes of pass {HeldPassId}; it applies only deletes it proved itself")]
    private partial void LogConfirmedDeletesChecked(string passId, long reproved, long held, string heldPassId);
}
