using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PortusFunctions.Access;

/// <summary>Logs a warning at start while development mode is on, so that it is not left on by accident.</summary>
public sealed partial class DevelopmentModeWarning : IHostedService
{
    private readonly IOptionsMonitor<AccessOptions> _access;
    private readonly ILogger<DevelopmentModeWarning> _logger;

    /// <summary>Creates the service.</summary>
    public DevelopmentModeWarning(IOptionsMonitor<AccessOptions> access, ILogger<DevelopmentModeWarning> logger)
    {
        _access = access;
        _logger = logger;
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _access.CurrentValue;
        if (options.DevelopmentMode)
        {
            var access = string.IsNullOrEmpty(options.ReaderKey) && string.IsNullOrEmpty(options.AdminKey)
                ? "every request is accepted without a key"
                : "requests need the keys that are set";
            LogDevelopmentMode(access);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Access__DevelopmentMode is on: missing secrets are allowed and {Access}; turn it off outside a development machine")]
    private partial void LogDevelopmentMode(string access);
}
