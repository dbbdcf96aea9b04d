using ChatCli.Cli;

// Exit codes: 0 ok, 1 usage, 2 auth, 3 unavailable, 4 refused by the server.
return await CommandLine.Build().Parse(args).InvokeAsync();
