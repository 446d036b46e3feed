using System.Collections.Concurrent;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace PortusFunctions.Storage;

/// <summary>
/// Hands out <see cref="TableClient"/> instances for the app's tables, with the configured prefix,
/// creating each table the first time it is used.
/// </summary>
/// <remarks>
/// Tables are created lazily rather than at start, so the app starts while storage is down and returns
/// 503 until it is back. A failed creation is forgotten and tried again on the next call, and a successful one is
/// checked again after <see cref="RecheckInterval"/>, so a table deleted under the running app comes back.
/// </remarks>
public class TableStore
{
    private readonly TableServiceClient _service;
    private readonly string _prefix;
    /// <summary>How long a created table is trusted to exist before the next call creates it again if needed.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, CachedTable> _tables = new(StringComparer.Ordinal);

    /// <summary>Creates a store from validated <see cref="StorageOptions"/>.</summary>
    public TableStore(IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var settings = options.Value;
        _prefix = settings.TablePrefix;
        _service = CreateServiceClient(settings);
    }

    /// <summary>The service client, for operations across tables such as the health check.</summary>
    public TableServiceClient Service => _service;

    /// <summary>Returns the client of table <paramref name="name"/>, creating the table if it does not exist.</summary>
    /// <exception cref="StorageUnavailableException">Storage cannot be reached.</exception>
    public virtual async ValueTask<TableClient> GetTableAsync(string name, CancellationToken cancellationToken)
    {
        var cached = _tables.GetOrAdd(name, key => new CachedTable(key, this));
        if (cached.IsStale)
        {
            _tables.TryUpdate(name, new CachedTable(name, this), cached);
            cached = _tables[name];
        }

        try
        {
            return await cached.Client.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            _tables.TryRemove(new KeyValuePair<string, CachedTable>(name, cached));
            throw StorageFailure.Wrap(exception, $"create table {_prefix}{name}");
        }
    }

    /// <summary>Deletes every table whose name starts with the configured prefix; used by tests.</summary>
    public async Task DeletePrefixedTablesAsync(CancellationToken cancellationToken)
    {
        if (_prefix.Length == 0)
        {
            throw new InvalidOperationException("Refusing to delete tables: Storage__TablePrefix is empty.");
        }

        await foreach (var table in _service.QueryAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (table.Name.StartsWith(_prefix, StringComparison.Ordinal))
            {
                await _service.DeleteTableAsync(table.Name, cancellationToken).ConfigureAwait(false);
            }
        }

        _tables.Clear();
    }

    private async Task<TableClient> CreateTableAsync(string name)
    {
        var client = _service.GetTableClient(_prefix + name);
        await client.CreateIfNotExistsAsync().ConfigureAwait(false);
        return client;
    }

    private sealed class CachedTable(string name, TableStore store)
    {
        private readonly long _createdAt = Environment.TickCount64;

        public Lazy<Task<TableClient>> Client { get; } = new(() => store.CreateTableAsync(name));

        public bool IsStale => Environment.TickCount64 - _createdAt > RecheckInterval.TotalMilliseconds;
    }

    private static TableServiceClient CreateServiceClient(StorageOptions settings)
    {
        var clientOptions = new TableClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = 3;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(5);
        clientOptions.AddPolicy(new RetriesExhaustedPolicy(), HttpPipelinePosition.PerCall);

        if (!settings.UsesEndpointUri)
        {
            return new TableServiceClient(settings.Tables, clientOptions);
        }

        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(settings.ManagedIdentityClientId)
                ? null
                : settings.ManagedIdentityClientId,
        });
        return new TableServiceClient(new Uri(settings.Tables), credential, clientOptions);
    }
}
