using System.Security.Cryptography;
using System.Text;

namespace PortusFunctions.Access;

/// <summary>Compares presented secrets with configured ones in constant time.</summary>
public static class SecretComparer
{
    /// <summary>
    /// Whether <paramref name="presented"/> equals <paramref name="expected"/>. Both are hashed first, so the
    /// time taken depends on neither their content nor their length.
    /// </summary>
    public static bool Matches(ReadOnlySpan<char> presented, string? expected)
    {
        if (string.IsNullOrEmpty(expected))
        {
            return false;
        }

        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> expectedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented.ToArray()), presentedHash);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), expectedHash);
        return CryptographicOperations.FixedTimeEquals(presentedHash, expectedHash);
    }
}
