using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>Keeps every log entry in memory, so tests can check the events operators rely on.</summary>
internal sealed class CollectingLoggerProvider : ILoggerProvider
{
    private ConcurrentQueue<LogEntry> _entries = new();

    /// <summary>Entries written so far.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>Shares the entries of <paramref name="other"/>, the provider registered with the host.</summary>
    public void Attach(CollectingLoggerProvider other) => _entries = other._entries;

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    /// <summary>One log entry.</summary>
    internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception);

    private sealed class Logger(string category, CollectingLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider._entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
    }
}
