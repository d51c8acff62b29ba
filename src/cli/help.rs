//! What `--help` says beyond the flags: each command's examples (the
//! README's usage lines, where a user looks first), and the short usage
//! `runtop` alone prints.

/// `runtop` with no command: the three commands people start with.
pub const START: &str = "\
runtop watches workflow-runner executions live, and reports on them.

Start with one of:
  runtop demo                          the terminal UI on a simulated runner
  runtop watch ws://HOST:PORT/PATH     the terminal UI on live runners
  runtop report FILE.ndjson            a report on a recorded event log

Every command: runtop --help; one command: runtop COMMAND --help.
Nothing shows up? runtop doctor ws://HOST:PORT/PATH
";

pub const TOP: &str = "\
Examples:
  runtop demo --scenario failures
  runtop watch ws://runner-1:7878/events --record session.ndjson
  runtop report session.ndjson --format text
  runtop check runs.ndjson --export verdict.json --profile prod
  runtop doctor ws://runner-1:7878/events";

pub const DEMO: &str = "\
Examples:
  runtop demo                                   # the steady scenario, 10 times real time
  runtop demo --scenario failures --speed 20    # an error burst from minute 10 to 15
  runtop demo --scenario ab --sort slowest      # variant B faster than A

Scenarios: steady, regression, failures, saturation, ab, flood.";

pub const WATCH: &str = "\
Examples:
  runtop watch ws://runner-1:7878/events
  runtop watch wss://runner-1:7443/events ws://runner-2:7878/events --record session.ndjson
  runtop watch wss://runner-1:7443/events --header-env 'Authorization=RUNNER_TOKEN' --ca-cert ca.pem
  runtop watch      # the config's sources.urls

Nothing shows up? runtop doctor with the same URLs and flags.";

pub const REPLAY: &str = "\
Examples:
  runtop replay session.ndjson                 # as it happened
  runtop replay session.ndjson --speed 60      # an hour in a minute
  runtop replay session.ndjson --speed 0       # as fast as possible";

pub const REPORT: &str = "\
Examples:
  runtop report runs.ndjson                    # JSON (schema runtop.report.v1)
  runtop report runs.ndjson --format text      # the same, as a table
  some-runner --log-json | runtop report -     # standard input
  runtop report wss://runner-1:7443/events ws://runner-2:7878/events --for 60 --format text
  runtop report ws://127.0.0.1:7878/events --events 10000 --record session.ndjson
  runtop report runs.ndjson --alert-log alerts.ndjson --baseline baseline.json";

pub const CHECK: &str = "\
Examples:
  runtop check runs.ndjson                                  # exit 0 met, 1 not met, 2 bad input
  runtop check runs.ndjson --export verdict.json --profile prod
  runtop check today.ndjson --baseline baseline.json        # regressions fail the gate
  runtop check ws://127.0.0.1:7878/events --for 5m";

pub const SIMULATE: &str = "\
Examples:
  runtop simulate                                  # ws://127.0.0.1:7878/events, real time
  runtop simulate --speed 20 --scenario failures
  runtop simulate --scenario regression --seed 7 --out regression.ndjson --executions 300
  runtop simulate --scenario flood --rate 50000 --batch 200   # load tests

The same seed always gives the same events.";

pub const SERVE: &str = "\
Examples:
  runtop serve ws://127.0.0.1:7878/events                   # /metrics on 127.0.0.1:9464
  runtop serve ws://127.0.0.1:7878/events --listen 0.0.0.0:9464 --alertmanager http://127.0.0.1:9093
  runtop serve runs.ndjson                                  # a recording, served as it ended";

pub const RULES: &str = "\
Examples:
  runtop rules export > runtop-rules.yml
  runtop rules export --profile prod --set alerts.error_rate.threshold=0.1";

pub const CONFIG: &str = "\
Examples:
  runtop config init                   # a commented default at the platform's path
  runtop config show --profile dev     # the effective settings, and where each came from
  runtop config path";

pub const BASELINE: &str = "\
Examples:
  runtop baseline save last-week.ndjson baseline.json
  runtop check today.ndjson --baseline baseline.json";

pub const COMPLETIONS: &str = "\
Examples:
  runtop completions bash > ~/.local/share/bash-completion/completions/runtop
  runtop completions zsh > ~/.zfunc/_runtop        # with fpath+=(~/.zfunc) in ~/.zshrc
  runtop completions fish > ~/.config/fish/completions/runtop.fish";

pub const MAN: &str = "\
Examples:
  runtop man | man -l -                 # runtop(1)
  runtop man report | man -l -          # runtop-report(1)
  runtop man --out /usr/local/share/man/man1   # every page";

pub const DOCTOR: &str = "\
Examples:
  runtop doctor                                    # the config's sources.urls
  runtop doctor ws://runner-1:7878/events
  runtop doctor wss://runner-1:7443/events --header-env 'Authorization=RUNNER_TOKEN'
  runtop doctor --alert-webhook https://hooks.example/… --send-test

Exit code: 0 when nothing is wrong, 1 when something is, 2 on bad usage.";
