using System.Text;

namespace EspOta.Cli;

/// <summary>How enum members are spelt on the command line.</summary>
internal static class KebabCase
{
    /// <summary><c>FullOta</c> → <c>full-ota</c>.</summary>
    public static string Of(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            char c = pascal[i];
            if (char.IsUpper(c) && i > 0)
            {
                sb.Append('-');
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
