using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>A server program started by a test, with its output kept for failure messages.</summary>
internal sealed class ExternalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ExternalProcess(Process process)
    {
        _process = process;
    }

    /// <summary>Everything the program wrote so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Process id of the program.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the program is still running.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Starts <paramref name="fileName"/> and waits until it accepts connections on <paramref name="port"/>.</summary>
    /// <param name="fileName">Program to start.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="port">Port it listens on once it started.</param>
    /// <param name="timeout">Time it has to start listening.</param>
    /// <param name="environment">Environment variables set for it on top of the test process's.</param>
    public static async Task<ExternalProcess> StartAsync(
        string fileName,
        IEnumerable<string> arguments,
        int port,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var started = new ExternalProcess(process);
        process.OutputDataReceived += (_, line) => started.Append(line.Data);
        process.ErrorDataReceived += (_, line) => started.Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                // Without a timeout, WaitForExit also waits until the redirected output has been read to its end.
                process.WaitForExit();
                throw new InvalidOperationException($"{fileName} exited with code {process.ExitCode} before listening on port {port}:\n{started.Output}");
            }

            if (await IsListeningAsync(port).ConfigureAwait(false))
            {
                return started;
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        await started.DisposeAsync().ConfigureAwait(false);
        throw new TimeoutException($"{fileName} did not listen on port {port} in time:\n{started.Output}");
    }

    /// <summary>Runs a command to completion and returns its output.</summary>
    /// <exception cref="InvalidOperationException">The command exited with a non-zero code.</exception>
    public static async Task<string> RunAsync(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{fileName} {string.Join(' ', arguments)} exited with code {process.ExitCode}:\n{await output.ConfigureAwait(false)}{await error.ConfigureAwait(false)}");
        }

        return await output.ConfigureAwait(false);
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (such as <c>INT</c> or <c>TERM</c>) and waits up to <paramref name="timeout"/>
    /// for the program to exit on its own, or to write <paramref name="closedMessage"/> when it stays alive after it
    /// finished closing; then kills it.
    /// </summary>
    public async Task StopGracefullyAsync(string signal, TimeSpan timeout, string? closedMessage = null)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", [$"-{signal}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync().ConfigureAwait(false);
            var deadline = DateTime.UtcNow + timeout;
            while (!_process.HasExited
                && DateTime.UtcNow < deadline
                && !(closedMessage is not null && Output.Contains(closedMessage, StringComparison.Ordinal)))
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Kills the program at once (SIGKILL), as a crash or a scale-in would, and waits until it exited.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Kills the program and every child it started.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }

        _process.Dispose();
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
