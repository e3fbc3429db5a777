using System.Globalization;
using Siem.Detection.Reading;

namespace Siem.Detection.Tests.Reading;

public class PlainDecimalTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("00")]
    [InlineData("215")]
    [InlineData("45076")]
    [InlineData("0.07")]
    [InlineData("1.00")]
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData("999999999999999")]
    [InlineData("0.00000000000001")]
    [InlineData("123456789.012345")]
    [InlineData("0.1")]
    [InlineData("0.3")]
    [InlineData("2.675")]
    public void Parses_plain_decimals_to_the_same_double_as_the_general_parser(string text)
    {
        Assert.True(PlainDecimal.TryParse(text, out var value));

        Assert.Equal(BitConverter.DoubleToInt64Bits(double.Parse(text, CultureInfo.InvariantCulture)), BitConverter.DoubleToInt64Bits(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("1.2.3")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("1e5")]
    [InlineData(" 1")]
    [InlineData("1,5")]
    [InlineData("NaN")]
    [InlineData("9999999999999999")]
    [InlineData("0.0000000000000001")]
    public void Leaves_everything_else_to_the_general_parser(string text)
    {
        Assert.False(PlainDecimal.TryParse(text, out _));
    }

    [Fact]
    public void Agrees_with_the_general_parser_on_many_random_decimals()
    {
        var random = new Random(20261203);
        var agreed = 0;
        for (var i = 0; i < 200_000; i++)
        {
            var whole = random.Next(0, 3) switch
            {
                0 => random.Next(0, 10).ToString(CultureInfo.InvariantCulture),
                1 => random.NextInt64(0, 1_000_000_000).ToString(CultureInfo.InvariantCulture),
                _ => random.NextInt64(0, 1_000_000_000_000_000).ToString(CultureInfo.InvariantCulture),
            };
            var fraction = new string([.. Enumerable.Range(0, random.Next(1, 10)).Select(_ => (char)('0' + random.Next(10)))]);
            var text = random.Next(0, 2) == 0 ? whole : whole + "." + fraction;

            if (PlainDecimal.TryParse(text, out var value))
            {
                Assert.Equal(double.Parse(text, CultureInfo.InvariantCulture), value);
                agreed++;
            }
        }

        // Most of these fit in 15 digits; the test would pass vacuously if the fast path never answered.
        Assert.True(agreed > 100_000, $"{agreed} parsed");
    }
}
