using System.Net;
using System.Net.Sockets;

namespace PortusFunctions.Webhooks.Delivery;

/// <summary>The kind of network an IP address belongs to, as far as sending webhooks to it is concerned.</summary>
public enum AddressRange
{
    /// <summary>A public unicast address.</summary>
    Public,

    /// <summary>Loopback: 127.0.0.0/8 and ::1.</summary>
    Loopback,

    /// <summary>Private: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 (RFC 1918), fc00::/7 (RFC 4193) and fec0::/10.</summary>
    Private,

    /// <summary>Link-local: 169.254.0.0/16 and fe80::/10.</summary>
    LinkLocal,

    /// <summary>Shared address space for carrier-grade NAT: 100.64.0.0/10 (RFC 6598).</summary>
    CarrierGradeNat,

    /// <summary>Multicast: 224.0.0.0/4 and ff00::/8.</summary>
    Multicast,

    /// <summary>Unspecified or "this network": 0.0.0.0/8 and ::.</summary>
    Unspecified,

    /// <summary>Reserved for future use or broadcast (240.0.0.0/4), or IETF protocol assignments (192.0.0.0/24).</summary>
    Reserved,

    /// <summary>
    /// An instance metadata or platform endpoint: 169.254.169.254, fd00:ec2::254 and Azure's 168.63.129.16.
    /// </summary>
    CloudMetadata,
}

/// <summary>
/// Classifies the addresses a webhook target resolves to, and decides which of them may be sent to.
/// </summary>
/// <remarks>
/// IPv4-mapped (<c>::ffff:a.b.c.d</c>), IPv4-compatible (<c>::a.b.c.d</c>), NAT64 (<c>64:ff9b::/96</c>) and 6to4
/// (<c>2002::/16</c>) addresses are classified by the IPv4 address they carry, so a blocked IPv4 address cannot be
/// reached through an IPv6 spelling.
/// </remarks>
public static class TargetAddressPolicy
{
    private static readonly IPAddress AzurePlatform = IPAddress.Parse("168.63.129.16");
    private static readonly IPAddress MetadataV4 = IPAddress.Parse("169.254.169.254");
    private static readonly IPAddress MetadataV6 = IPAddress.Parse("fd00:ec2::254");

    /// <summary>Returns the range <paramref name="address"/> belongs to.</summary>
    public static AddressRange Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return ClassifyV4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return AddressRange.Reserved;
        }

        var normalized = new IPAddress(address.GetAddressBytes());
        if (normalized.Equals(MetadataV6))
        {
            return AddressRange.CloudMetadata;
        }

        if (normalized.Equals(IPAddress.IPv6None))
        {
            return AddressRange.Unspecified;
        }

        if (normalized.Equals(IPAddress.IPv6Loopback))
        {
            return AddressRange.Loopback;
        }

        if (EmbeddedV4(normalized.GetAddressBytes()) is { } embedded)
        {
            return ClassifyV4(embedded);
        }

        return ClassifyV6(normalized);
    }

    /// <summary>
    /// Returns why <paramref name="address"/> may not be sent to, or null when it may. Cloud metadata addresses are
    /// always rejected; other non-public ranges are allowed when <paramref name="allowPrivate"/> is true.
    /// </summary>
    /// <param name="address">A resolved address.</param>
    /// <param name="host">The host name that resolved to it, or null when the target is the address itself.</param>
    /// <param name="allowPrivate">Whether <c>Outbox__AllowPrivateTargets</c> is true.</param>
    public static string? Reject(IPAddress address, string? host, bool allowPrivate)
    {
        ArgumentNullException.ThrowIfNull(address);

        var range = Classify(address);
        if (range == AddressRange.Public || (allowPrivate && range != AddressRange.CloudMetadata))
        {
            return null;
        }

        var rejection = host is null
            ? $"address {address} is in the {Describe(range)} range and is rejected"
            : $"host '{host}' resolves to {address}, in the {Describe(range)} range, which is rejected";
        return range == AddressRange.CloudMetadata
            ? rejection + " (cloud metadata addresses are always rejected)"
            : rejection + ": use a public address, or set Outbox__AllowPrivateTargets=true to allow private targets (development and tests only)";
    }

    /// <summary>Returns a short description of a range for messages.</summary>
    public static string Describe(AddressRange range) => range switch
    {
        AddressRange.Loopback => "loopback",
        AddressRange.Private => "private (RFC 1918 or RFC 4193)",
        AddressRange.LinkLocal => "link-local",
        AddressRange.CarrierGradeNat => "carrier-grade NAT (RFC 6598)",
        AddressRange.Multicast => "multicast",
        AddressRange.Unspecified => "unspecified",
        AddressRange.Reserved => "reserved",
        AddressRange.CloudMetadata => "cloud metadata",
        _ => "public",
    };

    private static AddressRange ClassifyV4(byte[] b)
    {
        var address = new IPAddress(b);
        if (address.Equals(MetadataV4) || address.Equals(AzurePlatform))
        {
            return AddressRange.CloudMetadata;
        }

        return b switch
        {
            [0, ..] => AddressRange.Unspecified,
            [10, ..] => AddressRange.Private,
            [100, >= 64 and <= 127, ..] => AddressRange.CarrierGradeNat,
            [127, ..] => AddressRange.Loopback,
            [169, 254, ..] => AddressRange.LinkLocal,
            [172, >= 16 and <= 31, ..] => AddressRange.Private,
            [192, 0, 0, _] => AddressRange.Reserved,
            [192, 168, ..] => AddressRange.Private,
            [>= 224 and <= 239, ..] => AddressRange.Multicast,
            [>= 240, ..] => AddressRange.Reserved,
            _ => AddressRange.Public,
        };
    }

    private static AddressRange ClassifyV6(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return b switch
        {
            [0xff, ..] => AddressRange.Multicast,
            [0xfe, >= 0x80 and <= 0xbf, ..] => AddressRange.LinkLocal,
            [0xfe, >= 0xc0, ..] => AddressRange.Private,
            [>= 0xfc and <= 0xfd, ..] => AddressRange.Private,
            _ => AddressRange.Public,
        };
    }

    /// <summary>Returns the IPv4 address that an IPv6 address carries, or null when it carries none.</summary>
    private static byte[]? EmbeddedV4(byte[] b)
    {
        var firstTenZero = b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0;

        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible); the caller has already handled :: and ::1.
        if (firstTenZero && ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0)))
        {
            return b[12..16];
        }

        // 64:ff9b::a.b.c.d (NAT64, RFC 6052).
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return b[12..16];
        }

        // 2002:aabb:ccdd::/48 (6to4, RFC 3056).
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return b[2..6];
        }

        return null;
    }
}
