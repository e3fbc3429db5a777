using Siem.Cli.Commands;

return await SiemCommandLine.Build().Parse(args).InvokeAsync();
