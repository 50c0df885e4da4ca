// The Android sample: `app` (Jetpack Compose) over `chatkit` (the generated UniFFI
// bindings, the native library per ABI, and the Kotlin wrappers the JVM test also runs).
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "chat-android-sample"
include(":chatkit", ":app")
