using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortusFunctions.Registry;

namespace PortusFunctions.Sync;

/// <summary>Logs once at start what the sync will do, so that a sync that does nothing is visible in the log.</summary>
public sealed partial class SyncStartupLog : IHostedService
{
    private readonly IOptions<SyncOptions> _options;
    private readonly IOptions<RegistryOptions> _registry;
    private readonly ILogger<SyncStartupLog> _logger;

    /// <summary>Creates the service.</summary>
    public SyncStartupLog(IOptions<SyncOptions> options, IOptions<RegistryOptions> registry, ILogger<SyncStartupLog> logger)
    {
        _options = options;
        _registry = registry;
        _logger = logger;
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        if (options.ParsedStrategy == SyncStrategy.Disabled)
        {
            LogDisabled();
        }
        else if (!_registry.Value.IsConfigured)
        {
            LogNotConfigured(options.Strategy);
        }
        else
        {
            LogEnabled(options.Strategy, _registry.Value.Url!, options.Schedule);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3160, Level = LogLevel.Information, Message = "Catalog sync is disabled (Sync__Strategy=disabled); the sync job does nothing")]
    private partial void LogDisabled();

    [LoggerMessage(EventId = 3161, Level = LogLevel.Warning, Message = "Catalog sync strategy {Strategy} does nothing because Registry__Url is empty; set it to the registry's base URL")]
    private partial void LogNotConfigured(string strategy);

    [LoggerMessage(EventId = 3162, Level = LogLevel.Information, Message = "Catalog sync with strategy {Strategy} from {Registry} on schedule '{Schedule}'")]
    private partial void LogEnabled(string strategy, string registry, string schedule);
}
