using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace PortusFunctions.Webhooks.Delivery;

/// <summary>
/// Protects against server-side request forgery: checks a target URL's scheme and every address its host
/// resolves to, when a subscription is created and again on every new connection.
/// </summary>
/// <remarks>
/// <see cref="CreateHandler"/> returns a handler whose <see cref="SocketsHttpHandler.ConnectCallback"/> resolves the
/// host itself, rejects the connection when any address is blocked, and connects to an address it checked. So a
/// host that resolves to a public address when the subscription is created and to a private one later (DNS
/// rebinding) is still rejected, and the handler never follows redirects or uses a proxy.
/// </remarks>
public class WebhookTargetGuard
{
    private readonly IOptionsMonitor<OutboxOptions> _options;

    /// <summary>Creates the guard.</summary>
    public WebhookTargetGuard(IOptionsMonitor<OutboxOptions> options)
    {
        _options = options;
    }

    /// <summary>Returns why the scheme of <paramref name="url"/> is rejected, or null when it is accepted.</summary>
    public string? RejectScheme(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);

        if (url.Scheme == Uri.UriSchemeHttps)
        {
            return null;
        }

        if (url.Scheme == Uri.UriSchemeHttp)
        {
            return _options.CurrentValue.AllowHttp
                ? null
                : "scheme 'http' is rejected: use https, or set Outbox__AllowHttp=true to allow http targets (development and tests only)";
        }

        return $"scheme '{url.Scheme}' is not supported: use https";
    }

    /// <summary>
    /// Resolves the host of <paramref name="url"/> and returns why it is rejected (a blocked scheme, a host that
    /// does not resolve, or a blocked address), or null when every address it resolves to is accepted.
    /// </summary>
    public async Task<string?> CheckAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);

        if (RejectScheme(url) is { } scheme)
        {
            return scheme;
        }

        try
        {
            var addresses = await ResolveAsync(url.IdnHost, cancellationToken).ConfigureAwait(false);
            return RejectAddresses(url.IdnHost, addresses);
        }
        catch (SocketException exception)
        {
            return $"host '{url.IdnHost}' could not be resolved ({exception.SocketErrorCode}): check the host name";
        }
    }

    /// <summary>Returns the addresses of <paramref name="host"/>; an IP literal resolves to itself.</summary>
    /// <exception cref="SocketException">The host could not be resolved.</exception>
    public virtual async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);

        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            return [literal];
        }

        return await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the handler for webhook requests, which connects only to checked addresses.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        ConnectCallback = ConnectAsync,
    };

    private string? RejectAddresses(string host, IPAddress[] addresses)
    {
        if (addresses.Length == 0)
        {
            return $"host '{host}' resolves to no address: check the host name";
        }

        var allowPrivate = _options.CurrentValue.AllowPrivateTargets;
        var named = IPAddress.TryParse(host.Trim('[', ']'), out _) ? null : host;
        return addresses
            .Select(address => TargetAddressPolicy.Reject(address, named, allowPrivate))
            .FirstOrDefault(reason => reason is not null);
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException exception)
        {
            throw new BlockedTargetException($"host '{endpoint.Host}' could not be resolved ({exception.SocketErrorCode})", exception);
        }

        if (RejectAddresses(endpoint.Host, addresses) is { } reason)
        {
            throw new BlockedTargetException(reason);
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException exception)
            {
                socket.Dispose();
                last = exception;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }
}

/// <summary>A webhook connection was not opened because the target's scheme or address is rejected.</summary>
public sealed class BlockedTargetException : IOException
{
    /// <summary>Creates the exception.</summary>
    public BlockedTargetException()
    {
    }

    /// <summary>Creates the exception with the reason.</summary>
    public BlockedTargetException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and the failure behind it.</summary>
    public BlockedTargetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
