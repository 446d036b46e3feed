using PortusFunctions.Host;

await BareMetalHost.Build(args).RunAsync().ConfigureAwait(false);
