using System.Net;
using PortusFunctions.Webhooks.Delivery;

namespace PortusFunctions.Core.Tests.Webhooks;

public sealed class TargetAddressPolicyTests
{
    [Theory]
    [InlineData("8.8.8.8", AddressRange.Public)]
    [InlineData("203.0.113.10", AddressRange.Public)]
    [InlineData("100.63.255.255", AddressRange.Public)]
    [InlineData("100.128.0.0", AddressRange.Public)]
    [InlineData("172.15.255.255", AddressRange.Public)]
    [InlineData("172.32.0.0", AddressRange.Public)]
    [InlineData("127.0.0.1", AddressRange.Loopback)]
    [InlineData("127.255.255.254", AddressRange.Loopback)]
    [InlineData("10.0.0.1", AddressRange.Private)]
    [InlineData("172.16.0.1", AddressRange.Private)]
    [InlineData("172.31.255.255", AddressRange.Private)]
    [InlineData("192.168.0.1", AddressRange.Private)]
    [InlineData("169.254.0.1", AddressRange.LinkLocal)]
    [InlineData("169.254.169.254", AddressRange.CloudMetadata)]
    [InlineData("168.63.129.16", AddressRange.CloudMetadata)]
    [InlineData("100.64.0.1", AddressRange.CarrierGradeNat)]
    [InlineData("100.127.255.255", AddressRange.CarrierGradeNat)]
    [InlineData("224.0.0.1", AddressRange.Multicast)]
    [InlineData("239.255.255.255", AddressRange.Multicast)]
    [InlineData("0.0.0.0", AddressRange.Unspecified)]
    [InlineData("0.1.2.3", AddressRange.Unspecified)]
    [InlineData("240.0.0.1", AddressRange.Reserved)]
    [InlineData("255.255.255.255", AddressRange.Reserved)]
    [InlineData("192.0.0.8", AddressRange.Reserved)]
    [InlineData("2001:4860:4860::8888", AddressRange.Public)]
    [InlineData("::1", AddressRange.Loopback)]
    [InlineData("::", AddressRange.Unspecified)]
    [InlineData("fe80::1", AddressRange.LinkLocal)]
    [InlineData("febf::1", AddressRange.LinkLocal)]
    [InlineData("fec0::1", AddressRange.Private)]
    [InlineData("fc00::1", AddressRange.Private)]
    [InlineData("fd12:3456:789a::1", AddressRange.Private)]
    [InlineData("fd00:ec2::254", AddressRange.CloudMetadata)]
    [InlineData("ff02::1", AddressRange.Multicast)]
    [InlineData("::ffff:127.0.0.1", AddressRange.Loopback)]
    [InlineData("::ffff:10.1.2.3", AddressRange.Private)]
    [InlineData("::ffff:169.254.169.254", AddressRange.CloudMetadata)]
    [InlineData("::ffff:8.8.8.8", AddressRange.Public)]
    [InlineData("::10.1.2.3", AddressRange.Private)]
    [InlineData("64:ff9b::192.168.1.1", AddressRange.Private)]
    [InlineData("64:ff9b::8.8.8.8", AddressRange.Public)]
    [InlineData("2002:7f00:1::", AddressRange.Loopback)]
    [InlineData("2002:a9fe:a9fe::", AddressRange.CloudMetadata)]
    [InlineData("2002:0808:0808::", AddressRange.Public)]
    public void Classify_Address_ReturnsRange(string address, AddressRange expected)
    {
        Assert.Equal(expected, TargetAddressPolicy.Classify(IPAddress.Parse(address)));
    }

    [Fact]
    public void Classify_ScopedLinkLocal_IgnoresScope()
    {
        Assert.Equal(AddressRange.LinkLocal, TargetAddressPolicy.Classify(IPAddress.Parse("fe80::1%2")));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("100.64.0.1")]
    public void Reject_NonPublic_AllowedOnlyWithSetting(string address)
    {
        var ip = IPAddress.Parse(address);

        Assert.Contains("Outbox__AllowPrivateTargets=true", TargetAddressPolicy.Reject(ip, null, allowPrivate: false), StringComparison.Ordinal);
        Assert.Null(TargetAddressPolicy.Reject(ip, null, allowPrivate: true));
    }

    [Theory]
    [InlineData("169.254.169.254")]
    [InlineData("fd00:ec2::254")]
    [InlineData("::ffff:169.254.169.254")]
    public void Reject_Metadata_RejectedEvenWithSetting(string address)
    {
        Assert.Contains("cloud metadata", TargetAddressPolicy.Reject(IPAddress.Parse(address), null, allowPrivate: true), StringComparison.Ordinal);
    }

    [Fact]
    public void Reject_HostName_NamesHostAndAddress()
    {
        var reason = TargetAddressPolicy.Reject(IPAddress.Parse("192.168.1.5"), "internal.example", allowPrivate: false);

        Assert.StartsWith("host 'internal.example' resolves to 192.168.1.5, in the private (RFC 1918 or RFC 4193) range", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Reject_Public_ReturnsNull()
    {
        Assert.Null(TargetAddressPolicy.Reject(IPAddress.Parse("203.0.113.10"), "hooks.example", allowPrivate: false));
    }
}
