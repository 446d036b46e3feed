using System.Globalization;
using Microsoft.Extensions.Logging;
using PortusFunctions.Images;
using PortusFunctions.Jobs;
using PortusFunctions.Registry;

namespace PortusFunctions.Sync;

/// <summary>
/// The work of one sync run under the lease: resume deletes being applied, record a confirmation of held deletes,
/// read the catalog from the cursor page by page until its end or the time budget, and end the pass.
/// </summary>
/// <remarks>
/// <para>The cursor is the last catalog name of the pass whose repository is done. After each page the run saves it
/// with the state, so a run that is killed, times out or fails continues from the page it was on.</para>
/// <para>Repositories are absent when a complete catalog read skips them: the catalog lists names in
/// <see cref="CatalogOrder"/>, so every stored repository between two consecutive names of a page, or after the
/// last name of the last page, is absent from the registry. A catalog that breaks that order, ends early or cannot
/// confirm its end marks the pass, which then deletes nothing.</para>
/// <para>At the deadline the run starts no more work and cancels its registry requests in flight; storage writes of
/// what was read before go on. A repository whose read was cancelled is not done, so the cursor stays before it and
/// the next run reads it again.</para>
/// </remarks>
internal sealed partial class SyncRun
{
    private readonly SyncRunSettings _settings;
    private readonly SyncRunServices _services;
    private readonly SyncState _state;
    private readonly JobRun _run;
    private readonly SyncCounts _counts;
    private readonly RepositorySynchronizer _repositories;
    private readonly SyncWriter _writer;
    private readonly ILogger _logger;

    public SyncRun(SyncRunSettings settings, SyncRunServices services, SyncState state, JobRun run, SyncCounts counts, ILogger logger)
    {
        _settings = settings;
        _services = services;
        _state = state;
        _run = run;
        _counts = counts;
        _logger = logger;
        _writer = new SyncWriter(services.Images, counts, logger);
        _repositories = new RepositorySynchronizer(
            services.Client, _writer, services.Pending, counts, services.Gate, settings.Concurrency, logger);
    }

    /// <summary>What the run did, for its row's message.</summary>
    public string Message { get; private set; } = "";

    private string Source => "sync:" + _run.RunId;

    private bool CollectsDeletes => _settings.Strategy == SyncStrategy.UpdateDelete;

    private bool PastDeadline => _services.Clock.GetUtcNow() >= _settings.Deadline;

    /// <summary>Runs the due work, reading the registry until the deadline.</summary>
    /// <exception cref="RegistryException">The catalog could not be read, or the registry rejected the credentials.</exception>
    /// <exception cref="Storage.StorageUnavailableException">Storage cannot be reached.</exception>
    public async Task<SyncOutcome> ExecuteAsync(bool confirmDeletes, SyncTrigger trigger, CancellationToken cancellationToken)
    {
        var remaining = _settings.Deadline - _services.Clock.GetUtcNow();
        using var deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, _services.Clock);
        using var reads = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        return await RunDueWorkAsync(confirmDeletes, trigger, reads.Token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the due work: deletes being applied, a confirmation, and the pass.</summary>
    /// <param name="confirmDeletes">Whether an operator confirmed the held deletes.</param>
    /// <param name="trigger">What started the run.</param>
    /// <param name="readToken">Cancels registry requests at the deadline, and with <paramref name="cancellationToken"/>.</param>
    /// <param name="cancellationToken">Cancels everything, storage writes included.</param>
    private async Task<SyncOutcome> RunDueWorkAsync(
        bool confirmDeletes,
        SyncTrigger trigger,
        CancellationToken readToken,
        CancellationToken cancellationToken)
    {
        if (_state.ApplyingPassId is { } applying && !await ApplyDeletesAsync(applying, cancellationToken).ConfigureAwait(false))
        {
            Message = $"Paused after the time budget while applying the deletes of pass {applying}.";
            return SyncOutcome.Paused;
        }

        var confirmation = "";
        if (confirmDeletes)
        {
            confirmation = await ConfirmHeldDeletesAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_settings.Strategy == SyncStrategy.Initial && _state.InitialImportFinishedAt is { } finished && trigger == SyncTrigger.Schedule)
        {
            Message = (confirmation + $" The initial import finished at {finished:O}; nothing else is due.").Trim();
            return SyncOutcome.Completed;
        }

        StartPassIfNone();
        _run.Properties["PassId"] = _state.PassId!;
        if (!_state.CatalogComplete)
        {
            if (!await ReadCatalogAsync(readToken, cancellationToken).ConfigureAwait(false))
            {
                Message = (confirmation + $" Paused after the time budget at cursor '{_state.Cursor}'; the next run continues there.").Trim();
                return SyncOutcome.Paused;
            }

            _state.CatalogComplete = true;
            await SaveProgressAsync(cancellationToken).ConfigureAwait(false);
        }

        var outcome = await FinishPassAsync(readToken, cancellationToken).ConfigureAwait(false);
        Message = (confirmation + " " + Message).Trim();
        return outcome;
    }

    private void StartPassIfNone()
    {
        if (_state.PassId is not null)
        {
            return;
        }

        var now = _services.Clock.GetUtcNow();
        _state.PassId = SyncIds.New(now);
        _state.PassStartedAt = now;
        _state.Cursor = null;
        _state.CatalogComplete = false;
        _state.PassAnomaly = null;
        _state.PassErrors = 0;
        var strategy = SyncStrategies.NameOf(_settings.Strategy);
        LogPassStarted(_state.PassId, strategy);
    }

    /// <summary>Reads the catalog from the cursor; returns false when the time budget ended first.</summary>
    private async Task<bool> ReadCatalogAsync(CancellationToken readToken, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadPagesAsync(readToken, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (readToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The deadline cancelled a catalog request. The cursor was saved after the last page that was done.
            return false;
        }
    }

    private async Task<bool> ReadPagesAsync(CancellationToken readToken, CancellationToken cancellationToken)
    {
        var boundary = _state.Cursor;
        await foreach (var page in _services.Client.ReadCatalogAsync(_state.Cursor, readToken).ConfigureAwait(false))
        {
            // The registry's clock versions the sync's writes; beside StartedAt it shows the skew to this host.
            _run.Properties.TryAdd("RegistryTime", page.ReadAt.ToString("O", CultureInfo.InvariantCulture));
            if (page.Anomaly is not null)
            {
                MarkAnomaly(page.Anomaly);
            }

            var names = ValidNames(page, boundary);
            var done = await ProcessPageAsync(names, readToken, cancellationToken).ConfigureAwait(false);
            var reachedEnd = done == names.Count;
            var upTo = reachedEnd
                ? (page.Repositories.Count > 0 ? page.Repositories[^1] : boundary)
                : (done > 0 ? names[done - 1] : boundary);

            if (upTo is not null && !string.Equals(upTo, boundary, StringComparison.Ordinal))
            {
                await CollectAbsentRepositoriesAsync(boundary, upTo, page, cancellationToken).ConfigureAwait(false);
                _state.Cursor = upTo;
            }

            await SaveProgressAsync(cancellationToken).ConfigureAwait(false);
            if (!reachedEnd)
            {
                return false;
            }

            boundary = upTo;
            if (page.IsLast)
            {
                await CollectAbsentRepositoriesAsync(boundary, null, page, cancellationToken).ConfigureAwait(false);
                return true;
            }

            if (PastDeadline)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns the valid names of a page, and marks the pass when a name breaks the catalog order.</summary>
    private List<string> ValidNames(CatalogPage page, string? boundary)
    {
        var names = new List<string>(page.Repositories.Count);
        var previous = boundary;
        foreach (var name in page.Repositories)
        {
            if (previous is not null && CatalogOrder.Compare(name, previous) <= 0)
            {
                MarkAnomaly($"the catalog lists '{name}' after '{previous}', which is not the registry's catalog order");
            }

            previous = name;
            if (ReferenceRules.IsValidRepository(name))
            {
                names.Add(name);
            }
            else
            {
                _counts.AddSkipped();
                LogInvalidRepository(name);
            }
        }

        return names;
    }

    /// <summary>
    /// Synchronizes the repositories of a page, at most <see cref="SyncRunSettings.Concurrency"/> at once, starting
    /// none after the deadline; returns how many, from the first, are done.
    /// </summary>
    /// <remarks>
    /// A repository is done when it was read completely or its failure was recorded for a retry at the end of the
    /// pass. One whose read the deadline cancelled is not, so the count stops before it even when repositories
    /// after it are done: the cursor never passes a repository that the next run must read again.
    /// </remarks>
    private async Task<int> ProcessPageAsync(
        IReadOnlyList<string> names,
        CancellationToken readToken,
        CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var reads = CancellationTokenSource.CreateLinkedTokenSource(failed.Token, readToken);
        using var slots = new SemaphoreSlim(_settings.Concurrency, _settings.Concurrency);
        var tasks = new List<Task<RepositoryOutcome>>();
        foreach (var name in names)
        {
            try
            {
                await slots.WaitAsync(reads.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }

            // Checked after the wait too, because a slot can free up after the deadline.
            if (PastDeadline || reads.IsCancellationRequested)
            {
                slots.Release();
                break;
            }

            tasks.Add(ProcessInSlotAsync(name, slots, failed, reads.Token));
        }

        await WhenAllPreferringFailureAsync(tasks).ConfigureAwait(false);
        return tasks.TakeWhile(task => task.Result != RepositoryOutcome.Interrupted).Count();
    }

    private async Task<RepositoryOutcome> ProcessInSlotAsync(
        string name,
        SemaphoreSlim slots,
        CancellationTokenSource failed,
        CancellationToken readToken)
    {
        try
        {
            return await ProcessRepositoryAsync(name, retrying: false, readToken, failed.Token).ConfigureAwait(false);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Awaits every task and throws the first failure that is not a cancellation caused by it.</summary>
    private static async Task WhenAllPreferringFailureAsync(IReadOnlyList<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            var failure = tasks
                .Where(task => task.IsFaulted)
                .SelectMany(task => task.Exception!.InnerExceptions)
                .FirstOrDefault(inner => inner is not OperationCanceledException);
            if (failure is not null && failure != exception)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            }

            throw;
        }
    }

    /// <summary>
    /// Synchronizes one repository. A repository that could not be read completely is kept as it is and, unless
    /// <paramref name="retrying"/>, read again at the end of the pass. One whose read the deadline cancelled is kept
    /// as it is too, and proves nothing absent.
    /// </summary>
    private async Task<RepositoryOutcome> ProcessRepositoryAsync(
        string name,
        bool retrying,
        CancellationToken readToken,
        CancellationToken cancellationToken)
    {
        bool complete;
        try
        {
            var deletesTo = CollectsDeletes ? _state.PassId : null;
            complete = await _repositories.SyncAsync(name, _settings.SettleMargin, Source, deletesTo, readToken, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RegistryException exception) when (exception is not RegistryAuthException { AffectsEveryRequest: true })
        {
            _counts.AddError();
            LogRepositoryFailed(exception, name);
            complete = false;
        }
        catch (OperationCanceledException) when (readToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogRepositoryInterrupted(name);
            return RepositoryOutcome.Interrupted;
        }

        if (!complete && !retrying)
        {
            await _services.Pending.AddRetryAsync(_state.PassId!, name, cancellationToken).ConfigureAwait(false);
        }

        return complete ? RepositoryOutcome.Complete : RepositoryOutcome.Failed;
    }

    /// <summary>
    /// Records a delete of every stored repository after <paramref name="after"/> and up to <paramref name="upTo"/>
    /// (null bounds are open) that the page does not list.
    /// </summary>
    private async Task CollectAbsentRepositoriesAsync(string? after, string? upTo, CatalogPage page, CancellationToken cancellationToken)
    {
        if (!CollectsDeletes || _state.PassAnomaly is not null)
        {
            return;
        }

        var listed = new HashSet<string>(page.Repositories, StringComparer.Ordinal);
        var version = ChangeVersion.At(page.ReadAt - _settings.SettleMargin, Source);
        var deletes = new List<PendingDelete>();
        await foreach (var stored in _services.Reader.ListRangeAsync(after, upTo, cancellationToken).ConfigureAwait(false))
        {
            if (!listed.Contains(stored.Name))
            {
                deletes.Add(new PendingDelete(stored.Name, PendingDeleteKind.Repository, null, version, stored.TagCount, stored.ManifestCount));
            }
        }

        await _services.Pending.AddDeletesAsync(_state.PassId!, deletes, cancellationToken).ConfigureAwait(false);
    }

    private void MarkAnomaly(string anomaly)
    {
        if (_state.PassAnomaly is null)
        {
            _state.PassAnomaly = anomaly;
            LogAnomaly(_state.PassId!, anomaly);
        }
    }

    /// <summary>Saves the state row and the run row with the counts so far.</summary>
    private async Task SaveProgressAsync(CancellationToken cancellationToken)
    {
        await _services.Runs.SaveStateAsync(SyncService.JobName, _state.ToColumns(), cancellationToken).ConfigureAwait(false);
        _counts.CopyTo(_run);
        _run.Cursor = _state.Cursor;
        await _services.Runs.SaveRunAsync(_run, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3140, Level = LogLevel.Information, Message = "Sync pass {PassId} started with strategy {Strategy}")]
    private partial void LogPassStarted(string passId, string strategy);

    [LoggerMessage(EventId = 3142, Level = LogLevel.Warning, Message = "Sync pass {PassId} will delete nothing: {Anomaly}")]
    private partial void LogAnomaly(string passId, string anomaly);

    [LoggerMessage(EventId = 3147, Level = LogLevel.Warning, Message = "Repository {Repository} could not be read and is kept as it is; it is read again at the end of the pass")]
    private partial void LogRepositoryFailed(Exception exception, string repository);

    [LoggerMessage(EventId = 3148, Level = LogLevel.Warning, Message = "The catalog lists an invalid repository name '{Repository}'; it is skipped")]
    private partial void LogInvalidRepository(string repository);

    [LoggerMessage(EventId = 3149, Level = LogLevel.Warning, Message = "The time budget ended while repository {Repository} was read; it is kept as it is and the next run reads it again")]
    private partial void LogRepositoryInterrupted(string repository);
}

/// <summary>How far the sync of one repository got in a run.</summary>
internal enum RepositoryOutcome
{
    /// <summary>Read completely.</summary>
    Complete,

    /// <summary>Not read completely because of an error; kept as it is and read again at the end of the pass.</summary>
    Failed,

    /// <summary>The deadline cancelled its read; kept as it is, and the cursor stays before it.</summary>
    Interrupted,
}

/// <summary>Settings of one run.</summary>
/// <param name="Strategy">The strategy.</param>
/// <param name="Deadline">When the run starts no more work and cancels its registry requests.</param>
/// <param name="SettleMargin">How far before the read the writes are versioned.</param>
/// <param name="DeleteGuardRatio">Largest share of the store deleted without confirmation.</param>
/// <param name="Concurrency">Repositories synchronized at once, and registry requests in flight.</param>
internal sealed record SyncRunSettings(
    SyncStrategy Strategy,
    DateTimeOffset Deadline,
    TimeSpan SettleMargin,
    double DeleteGuardRatio,
    int Concurrency);

/// <summary>Services a run uses.</summary>
internal sealed record SyncRunServices(
    RegistryClient Client,
    IImageStore Images,
    SyncPendingStore Pending,
    SyncStoreReader Reader,
    JobRunStore Runs,
    SemaphoreSlim Gate,
    TimeProvider Clock);

/// <summary>Ids of runs and passes: the UTC start time to 100 ns, and a random suffix.</summary>
/// <remarks>
/// The registry's <c>Date</c> header counts whole seconds, so two runs in one second write with equal times; the
/// source id <c>sync:RUN</c> then breaks the tie, and because it starts with the start time, the later run wins.
/// </remarks>
internal static class SyncIds
{
    public static string New(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'.'fffffff'Z'", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8];
}
