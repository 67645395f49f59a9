//! What a new user hits first (issue 13, item 4): the read-only commands never create a data
//! directory or a database, and say where they looked; secrets come from files
//! (`IDGW_..._FILE`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh, empty directory to run commands in.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("idgw-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// Runs `idgw args...` in `cwd` with `env` added (and no inherited `IDGW_` configuration).
fn idgw(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_idgw"));
    common::idgw_env(&mut cmd);
    for (name, _) in std::env::vars() {
        if name.starts_with("IDGW_") {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(cwd).args(args).envs(env.iter().copied());
    cmd.output().expect("idgw runs")
}

type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, PathBuf);

const READ_ONLY: &[&[&str]] = &[
    &["trace", "some-auth-req-id"],
    &["client", "list"],
    &["subscriber", "list"],
    &["keys", "list"],
];

#[test]
fn read_only_commands_create_nothing_and_say_where_they_looked() {
    let cwd = scratch("readonly");
    let elsewhere = cwd.join("elsewhere");
    for args in READ_ONLY {
        // Arguments, environment, and the data directory the command should name.
        let cases: [Case; 3] = [
            (args.to_vec(), vec![], cwd.join("idgw-data")),
            (
                [args.to_vec(), vec!["--data-dir", "elsewhere"]].concat(),
                vec![],
                elsewhere.clone(),
            ),
            (
                args.to_vec(),
                vec![("IDGW_DATA_DIR", "elsewhere")],
                elsewhere.clone(),
            ),
        ];
        for (argv, env, dir) in cases {
            let out = idgw(&cwd, &argv, &env);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{argv:?} succeeded:\n{err}");
            let db = dir.join("idgw.db");
            assert!(
                err.contains(&format!("no idgw database at {}", db.display())),
                "{argv:?} {env:?} does not name {}:\n{err}",
                db.display()
            );
            for hint in ["--data-dir", "IDGW_DATA_DIR", "--config"] {
                assert!(err.contains(hint), "{argv:?}: no hint {hint}:\n{err}");
            }
            assert!(!dir.exists(), "{argv:?} created {}", dir.display());
        }
    }
    // Nothing at all was created in the working directory.
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0);
    std::fs::remove_dir_all(cwd).ok();
}

#[test]
fn a_provisioned_store_is_found_and_its_url_can_come_from_a_file() {
    let cwd = scratch("provisioned");
    let data = cwd.join("data");
    let data_arg = data.display().to_string();
    let out = idgw(
        &cwd,
        &["subscriber", "add", "447700900001", "--data-dir", &data_arg],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = idgw(&cwd, &["subscriber", "list", "--data-dir", &data_arg], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "447700900001");

    // The storage URL from a file named by IDGW_STORAGE__URL_FILE, from another directory.
    let secret = cwd.join("storage-url");
    std::fs::write(&secret, format!("sqlite://{}/idgw.db\n", data.display())).unwrap();
    let other = scratch("provisioned-other");
    let out = idgw(
        &other,
        &["subscriber", "list"],
        &[("IDGW_STORAGE__URL_FILE", &secret.display().to_string())],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "447700900001");
    assert_eq!(std::fs::read_dir(&other).unwrap().count(), 0);

    // A missing database named by the URL: where it looked, and why there.
    let out = idgw(
        &other,
        &["keys", "list"],
        &[("IDGW_STORAGE__URL", "sqlite://nowhere/idgw.db")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!(
            "no idgw database at {}",
            other.join("nowhere/idgw.db").display()
        )) && err.contains("[storage] url"),
        "{err}"
    );
    assert!(!other.join("nowhere").exists());
    std::fs::remove_dir_all(cwd).ok();
    std::fs::remove_dir_all(other).ok();
}
