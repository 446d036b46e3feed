using PortusFunctions.Host;

try
{
    await BareMetalHost.Build(args).RunAsync().ConfigureAwait(false);
    return 0;
}
catch (Exception exception) when (StartupFailure.Describe(exception) is { } message)
{
    await Console.Error.WriteLineAsync(message).ConfigureAwait(false);
    return 1;
}
