using BenchmarkDotNet.Running;

namespace EspOta.Benchmarks;

internal static class Program
{
    // dotnet run -c Release --project bench/EspOta.Benchmarks -- --filter '*'
    // dotnet run -c Release --project bench/EspOta.Benchmarks -- fleet [devices] [image bytes]
    // dotnet run -c Release --project bench/EspOta.Benchmarks -- stream [clients] [rounds] [image bytes]
    // dotnet run -c Release --project bench/EspOta.Benchmarks -- delta [repetitions]
    // dotnet run -c Release --project bench/EspOta.Benchmarks -- scale [counts] [--postgres CONNECTION] [--image BYTES] [--max-seconds S]
    // dotnet run -c Release --project bench/EspOta.Benchmarks -- upload [uploads] [concurrency] [image bytes]
    private static int Main(string[] args)
    {
        if (args is ["fleet", .. var rest])
        {
            return Http.FleetLoadRun.RunAsync(rest).GetAwaiter().GetResult();
        }

        if (args is ["scale", .. var scaleArgs])
        {
            return Http.ScaleLoadRun.RunAsync(scaleArgs).GetAwaiter().GetResult();
        }

        if (args is ["delta", .. var deltaArgs])
        {
            return Delta.DeltaBenchRun.Run(deltaArgs);
        }

        if (args is ["upload", .. var uploadArgs])
        {
            return Http.UploadLoadRun.RunAsync(uploadArgs).GetAwaiter().GetResult();
        }

        if (args is ["stream", .. var streamArgs])
        {
            return Http.StreamLoadRun.RunAsync(streamArgs).GetAwaiter().GetResult();
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
