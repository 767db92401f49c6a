"""--cache-images: which images a release runs, and the DaemonSet that pulls them."""

from __future__ import annotations

from unideploy.execute.phases.images import images_of, prepull_daemonset


def test_images_of_every_pod_bearing_kind() -> None:
    deployment = {
        "kind": "Deployment",
        "spec": {
            "template": {
                "spec": {
                    "initContainers": [{"name": "init", "image": "busybox:1.36"}],
                    "containers": [{"name": "app", "image": "app:1.0"}],
                }
            }
        },
    }
    cronjob = {
        "kind": "CronJob",
        "spec": {
            "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"image": "job:2"}]}}}}
        },
    }
    pod = {"kind": "Pod", "spec": {"ephemeralContainers": [{"image": "debug:3"}]}}
    config = {"kind": "ConfigMap", "data": {"image": "not-an-image"}}
    assert list(images_of(deployment)) == ["busybox:1.36", "app:1.0"]
    assert list(images_of(cronjob)) == ["job:2"]
    assert list(images_of(pod)) == ["debug:3"]
    assert list(images_of(config)) == []


def test_prepull_daemonset_pulls_each_image_in_an_init_container() -> None:
    daemonset = prepull_daemonset("apps", ["a:1", "b:2"])
    pod = daemonset["spec"]["template"]["spec"]
    assert [c["image"] for c in pod["initContainers"]] == ["a:1", "b:2"]
    assert daemonset["metadata"]["namespace"] == "apps"
    selector = daemonset["spec"]["selector"]["matchLabels"]
    assert selector == daemonset["spec"]["template"]["metadata"]["labels"]
