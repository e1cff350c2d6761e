package dev.watchfloor.es;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.node.Node;
import org.elasticsearch.node.WatchfloorNodeFactory;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Minimal launcher for ONE real Elasticsearch 8.x node inside this JVM, for integration tests.
 *
 * <pre>
 *   java [-Xms1g -Xmx1g] -cp 'target/classes:target/lib/*' dev.watchfloor.es.EsTestNode &lt;homeDir&gt; [httpPort]
 * </pre>
 *
 * What the production bootstrap (org.elasticsearch.bootstrap.Elasticsearch + the server-cli launcher) does and
 * what this class does instead:
 * <ul>
 *   <li>bootstrap checks: production wraps Node in an anonymous subclass whose validateNodeBeforeAcceptingRequests
 *       runs BootstrapChecks; we construct Node directly, so the hook is the no-op default. (Binding to 127.0.0.1
 *       would make them non-enforcing anyway.)</li>
 *   <li>security manager / entitlements: installed only by the bootstrap; never installed here, and Java 17 does
 *       not install one by default. Do not pass -Djava.security.manager.</li>
 *   <li>es.path.home / ES_PATH_CONF: read by the CLI only; we pass path.home/path.data/path.logs as node settings.</li>
 *   <li>keystore, jar-hell check, mlockall/seccomp/native init, JVM ergonomics: bootstrap-only, skipped.
 *       NativeAccess initialises lazily (JNA provider on Java 17; jna comes with the server POM).</li>
 *   <li>modules/plugins directories: production loads modules/transport-netty4 from disk with its own
 *       class loader; we hand Netty4Plugin to a PluginsService subclass as a classpath plugin
 *       (WatchfloorClasspathPluginsService) and leave modules/ empty.</li>
 *   <li>logging: production runs LogConfigurator.configure(env) on config/log4j2.properties; we let log4j
 *       auto-configure from the classpath log4j2.properties and install ES's logging SPI
 *       (LogConfigurator.configureESLogging) without which org.elasticsearch.logging.LogManager NPEs.</li>
 *   <li>x-pack: not on the classpath, so no security/TLS/licensing. Never set xpack.* settings: they are
 *       unknown settings here and the node refuses to start.</li>
 * </ul>
 * Extra node settings: -Dwatchfloor.es.setting.&lt;key&gt;=&lt;value&gt;; extra classpath plugins: -Dwatchfloor.es.plugins=a.B,c.D;
 * -Dwatchfloor.es.exitWithParent=true: shut down when stdin reaches EOF (the starting process is gone).
 */
public final class EsTestNode {

    private static final String SETTING_PREFIX = "watchfloor.es.setting.";

    private EsTestNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args[0].equals("-h") || args[0].equals("--help")) {
            System.err.println("usage: EsTestNode <homeDir> [httpPort]   (default port 9200, host 127.0.0.1)");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        int httpPort = args.length > 1 ? Integer.parseInt(args[1]) : Integer.getInteger("watchfloor.es.http.port", 9200);
        String host = System.getProperty("watchfloor.es.host", "127.0.0.1");

        // 1) JVM-wide knobs that config/jvm.options sets in production. Must happen before the first
        //    ES / Netty / JNA / log4j class initialises (run.sh also passes them as -D flags).
        defaultProperty("es.set.netty.runtime.available.processors", "false"); // don't fight over NettyRuntime
        defaultProperty("io.netty.noUnsafe", "true");
        defaultProperty("io.netty.noKeySetOptimization", "true");
        defaultProperty("io.netty.recycler.maxCapacityPerThread", "0");
        defaultProperty("jna.nosys", "true");                  // use the libjnidispatch inside the jna jar
        defaultProperty("log4j2.disable.jmx", "true");
        defaultProperty("log4j.shutdownHookEnabled", "false"); // keep logging alive while the node closes

        // 2) Logging before any other ES class initialises (some use the org.elasticsearch.logging facade statically)
        configureLogging();

        for (String dir : List.of("data", "logs", "config", "plugins", "modules")) {
            Files.createDirectories(home.resolve(dir));
        }

        // 3) Node settings (the equivalent of config/elasticsearch.yml)
        Settings.Builder builder = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("cluster.name", System.getProperty("watchfloor.es.cluster.name", "watchfloor-es"))
            .put("node.name", System.getProperty("watchfloor.es.node.name", "watchfloor-es-node"))
            .put("network.host", host)
            .put("http.port", Integer.toString(httpPort))
            .put("transport.port", System.getProperty("watchfloor.es.transport.port", "9300-9400"))
            .put("discovery.type", "single-node")
            // test-friendly: no read-only indices on a full CI disk, no real-memory breaker on small heaps,
            // allow DELETE /prefix-* between tests
            .put("cluster.routing.allocation.disk.threshold_enabled", "false")
            .put("indices.breaker.total.use_real_memory", "false")
            .put("action.destructive_requires_name", "false");
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith(SETTING_PREFIX)) {
                builder.put(key.substring(SETTING_PREFIX.length()), System.getProperty(key));
            }
        }
        Settings settings = builder.build();

        // 4) Early native-access probe (clearer error than a failure deep inside node construction)
        probeNativeAccess();

        // 5) Plugins that would normally come from $ES_HOME/modules
        List<Class<? extends Plugin>> plugins = new ArrayList<>();
        plugins.add(Netty4Plugin.class);
        for (String name : System.getProperty("watchfloor.es.plugins", "").split(",")) {
            if (name.isBlank() == false) {
                plugins.add(Class.forName(name.trim()).asSubclass(Plugin.class));
            }
        }

        log("java " + Runtime.version() + ", elasticsearch " + esVersion() + ", bootstrap era " + WatchfloorNodeFactory.ERA
            + ", home " + home + ", plugins " + plugins);

        final Node node;
        try {
            node = WatchfloorNodeFactory.create(settings, plugins);
        } catch (Throwable t) {
            // exit explicitly: a half-built node may have left non-daemon threads behind
            System.err.println("[watchfloor-es] node construction failed: " + rootCause(t));
            t.printStackTrace();
            System.exit(1);
            return;
        }
        RootEndpoint.install(node, settings); // GET / and HEAD / (RestMainAction lives in modules/rest-root since 8.9)

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeQuietly(node);
            stopped.countDown();
        }, "watchfloor-es-shutdown"));

        try {
            node.start();
        } catch (Throwable t) {
            System.err.println("[watchfloor-es] node failed to start: " + rootCause(t));
            t.printStackTrace();
            System.exit(1);
        }
        System.out.println("WATCHFLOOR_ES_READY http://" + host + ":" + httpPort);
        System.out.flush();
        if (Boolean.getBoolean("watchfloor.es.exitWithParent")) {
            exitWhenStdinCloses();
        }
        stopped.await(); // ES thread pools use daemon threads; keep the JVM alive until SIGTERM/SIGINT
    }

    // ------------------------------------------------------------------------------------------------------------

    /**
     * A test runner starts the node with its stdin on a pipe: when the runner dies (even by SIGKILL) the pipe
     * closes and the node shuts down, so no JVM outlives the tests that started it.
     */
    private static void exitWhenStdinCloses() {
        Thread watcher = new Thread(() -> {
            try {
                while (System.in.read() != -1) {
                    // the parent never writes; any byte is ignored
                }
            } catch (java.io.IOException ignored) {
                // a broken pipe means the same as EOF
            }
            log("stdin closed (the process that started the node is gone): shutting down");
            System.exit(0); // runs the shutdown hook, which closes the node
        }, "watchfloor-es-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void configureLogging() {
        // a) let log4j-core configure itself from the classpath log4j2.properties (console appender)
        org.apache.logging.log4j.LogManager.getLogger(EsTestNode.class);
        // b) ES's own logging facade (org.elasticsearch.logging) needs a provider, else NPE on first use
        try {
            Class<?> configurator = Class.forName("org.elasticsearch.common.logging.LogConfigurator");
            configurator.getMethod("configureESLogging").invoke(null);
        } catch (NoSuchMethodException | ClassNotFoundException e) {
            // older 8.x: do by hand what configureESLogging does
            try {
                Class<?> spi = Class.forName("org.elasticsearch.logging.internal.spi.LoggerFactory");
                if (spi.getMethod("provider").invoke(null) == null) {
                    Object impl = Class.forName("org.elasticsearch.common.logging.internal.LoggerFactoryImpl")
                        .getConstructor()
                        .newInstance();
                    spi.getMethod("setInstance", spi).invoke(null, impl);
                }
            } catch (ReflectiveOperationException e2) {
                log("WARN could not install the ES logging provider: " + e2);
            }
        } catch (ReflectiveOperationException e) {
            log("WARN LogConfigurator.configureESLogging failed: " + rootCause(e));
        }
    }

    private static void probeNativeAccess() {
        try {
            Class<?> nativeAccess = Class.forName("org.elasticsearch.nativeaccess.NativeAccess");
            Object instance = nativeAccess.getMethod("instance").invoke(null);
            log("native access: " + instance.getClass().getName());
        } catch (ClassNotFoundException e) {
            // < 8.14: natives are initialised by the bootstrap only, nothing to probe
        } catch (Throwable t) {
            log("WARN NativeAccess.instance() failed (JNA provider not usable?): " + rootCause(t));
        }
    }

    private static void closeQuietly(Node node) {
        try {
            node.close();
            try {
                Method await = node.getClass().getMethod("awaitClose", long.class, java.util.concurrent.TimeUnit.class);
                await.invoke(node, 10L, java.util.concurrent.TimeUnit.SECONDS);
            } catch (NoSuchMethodException ignored) {
                // fine
            }
        } catch (Throwable t) {
            System.err.println("[watchfloor-es] error while closing node: " + t);
        }
    }

    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    static String esVersion() {
        try {
            return String.valueOf(Class.forName("org.elasticsearch.Version").getField("CURRENT").get(null));
        } catch (ReflectiveOperationException e) {
            return "unknown";
        }
    }

    static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while ((c instanceof InvocationTargetException || c instanceof ExceptionInInitializerError) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    static void log(String msg) {
        System.out.println("[watchfloor-es] " + msg);
    }

    // ------------------------------------------------------------------------------------------------------------

    /**
     * Best-effort replacement for GET / and HEAD / (client.info(), client.ping()). Since 8.9 those handlers live in
     * modules/rest-root (MainRestPlugin), which is not published to Maven Central. We register a tiny handler on
     * the node's RestController. Everything is reflective (java.lang.reflect.Proxy for the RestHandler interface),
     * so an API difference only disables this endpoint and never breaks the node. Responses still get the
     * X-Elastic-Product header, which RestController.dispatchRequest adds to every response.
     */
    static final class RootEndpoint implements InvocationHandler {

        private final Node node;
        private final Settings settings;
        private final List<Object> routes = new ArrayList<>();

        private RootEndpoint(Node node, Settings settings) {
            this.node = node;
            this.settings = settings;
        }

        /** RestController is bound in the injector by ActionModule; fall back to the HTTP transport's dispatcher. */
        private static Object findRestController(Node node, Class<?> controllerType) throws Exception {
            try {
                return node.injector().getInstance(controllerType);
            } catch (RuntimeException notBound) {
                Class<?> transportType = Class.forName("org.elasticsearch.http.HttpServerTransport");
                Object transport = node.injector().getInstance(transportType);
                for (Class<?> c = transport.getClass(); c != null; c = c.getSuperclass()) {
                    for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                        if (Modifier.isStatic(f.getModifiers()) == false && f.getType().isPrimitive() == false) {
                            f.setAccessible(true);
                            Object value = f.get(transport);
                            if (controllerType.isInstance(value)) {
                                return value;
                            }
                        }
                    }
                }
                throw notBound;
            }
        }

        static void install(Node node, Settings settings) {
            if (Boolean.getBoolean("watchfloor.es.disableRootEndpoint")) {
                return;
            }
            try {
                Class<?> controllerType = Class.forName("org.elasticsearch.rest.RestController");
                Object controller = findRestController(node, controllerType);
                Class<?> handlerType = Class.forName("org.elasticsearch.rest.RestHandler");
                Class<?> routeType = Class.forName("org.elasticsearch.rest.RestHandler$Route");
                Class<?> methodType = Class.forName("org.elasticsearch.rest.RestRequest$Method");
                Constructor<?> routeCtor = routeType.getConstructor(methodType, String.class);
                RootEndpoint endpoint = new RootEndpoint(node, settings);
                for (String httpMethod : List.of("GET", "HEAD")) {
                    endpoint.routes.add(routeCtor.newInstance(enumConstant(methodType, httpMethod), "/"));
                }
                Object handler = Proxy.newProxyInstance(EsTestNode.class.getClassLoader(), new Class<?>[] { handlerType }, endpoint);
                Method register = controllerType.getMethod("registerHandler", routeType, handlerType);
                for (Object route : endpoint.routes) {
                    String httpMethod = String.valueOf(routeType.getMethod("getMethod").invoke(route));
                    try {
                        register.invoke(controller, route, handler);
                        log("installed " + httpMethod + " / handler");
                    } catch (InvocationTargetException e) {
                        // e.g. "Cannot replace existing handler" if this ES version still has RestMainAction in core
                        log(httpMethod + " / handler not installed: " + rootCause(e));
                    }
                }
            } catch (Throwable t) {
                log("WARN GET / handler not installed (client.info()/ping() will fail): " + rootCause(t));
            }
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName()) {
                case "handleRequest":
                    if (args != null && args.length >= 2) {
                        respond(args[0], args[1]);
                        return null;
                    }
                    break;
                case "routes":
                    if (args == null || args.length == 0) {
                        return List.copyOf(routes);
                    }
                    break;
                case "toString":
                    if (args == null || args.length == 0) {
                        return "watchfloor-es root endpoint";
                    }
                    break;
                case "hashCode":
                    if (args == null || args.length == 0) {
                        return System.identityHashCode(proxy);
                    }
                    break;
                case "equals":
                    if (args != null && args.length == 1) {
                        return proxy == args[0];
                    }
                    break;
                default:
                    break;
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            return zeroValue(method.getReturnType());
        }

        private void respond(Object request, Object channel) throws Exception {
            Object httpMethod = Class.forName("org.elasticsearch.rest.RestRequest").getMethod("method").invoke(request);
            boolean head = "HEAD".equals(String.valueOf(httpMethod));
            String body = head ? "" : infoJson();

            Class<?> channelType = Class.forName("org.elasticsearch.rest.RestChannel");
            Method send = null;
            for (Method m : channelType.getMethods()) {
                if (m.getName().equals("sendResponse") && m.getParameterCount() == 1) {
                    send = m;
                }
            }
            if (send == null) {
                throw new IllegalStateException("RestChannel.sendResponse not found");
            }
            Class<?> statusType = Class.forName("org.elasticsearch.rest.RestStatus");
            Object ok = enumConstant(statusType, "OK");
            Object response = newResponse(send.getParameterTypes()[0], statusType, ok, "application/json; charset=UTF-8", body);
            send.invoke(channel, response);
        }

        private static Object newResponse(Class<?> declared, Class<?> statusType, Object status, String mediaType, String body)
            throws ReflectiveOperationException {
            List<Class<?>> candidates = new ArrayList<>();
            candidates.add(declared);
            try {
                candidates.add(Class.forName("org.elasticsearch.rest.BytesRestResponse")); // <= 8.5 naming
            } catch (ClassNotFoundException ignored) {
                // 8.6+ only has RestResponse
            }
            for (Class<?> c : candidates) {
                if (Modifier.isAbstract(c.getModifiers()) || declared.isAssignableFrom(c) == false) {
                    continue;
                }
                try {
                    return c.getConstructor(statusType, String.class, String.class).newInstance(status, mediaType, body);
                } catch (NoSuchMethodException ignored) {
                    // try next
                }
            }
            throw new NoSuchMethodException("no (RestStatus, String, String) constructor on " + candidates);
        }

        private String infoJson() {
            String version = esVersion();
            Object build = build();
            String hash = callString(build, "unknown", "hash", "shortHash");
            String date = callString(build, "unknown", "date");
            String wire = callString(build, "7.17.0", "minWireCompatVersion");
            String index = callString(build, "7.0.0", "minIndexCompatVersion");
            String lucene;
            try {
                lucene = String.valueOf(Class.forName("org.apache.lucene.util.Version").getField("LATEST").get(null));
            } catch (ReflectiveOperationException e) {
                lucene = "unknown";
            }
            return "{"
                + "\"name\":" + q(settings.get("node.name"))
                + ",\"cluster_name\":" + q(settings.get("cluster.name"))
                + ",\"cluster_uuid\":" + q(clusterUuid())
                + ",\"version\":{"
                + "\"number\":" + q(version)
                + ",\"build_flavor\":\"default\""
                + ",\"build_type\":\"tar\""
                + ",\"build_hash\":" + q(hash)
                + ",\"build_date\":" + q(date)
                + ",\"build_snapshot\":false"
                + ",\"lucene_version\":" + q(lucene)
                + ",\"minimum_wire_compatibility_version\":" + q(wire)
                + ",\"minimum_index_compatibility_version\":" + q(index)
                + "}"
                + ",\"tagline\":\"You Know, for Search\""
                + "}";
        }

        private String clusterUuid() {
            try {
                Class<?> clusterServiceType = Class.forName("org.elasticsearch.cluster.service.ClusterService");
                Object clusterService = node.injector().getInstance(clusterServiceType);
                Object state = clusterServiceType.getMethod("state").invoke(clusterService);
                Object metadata = state.getClass().getMethod("metadata").invoke(state);
                return String.valueOf(metadata.getClass().getMethod("clusterUUID").invoke(metadata));
            } catch (Throwable t) {
                return "_na_";
            }
        }

        private static Object build() {
            try {
                Class<?> buildType = Class.forName("org.elasticsearch.Build");
                try {
                    return buildType.getMethod("current").invoke(null);
                } catch (NoSuchMethodException e) {
                    return buildType.getField("CURRENT").get(null);
                }
            } catch (Throwable t) {
                return null;
            }
        }

        private static String callString(Object target, String fallback, String... methodNames) {
            if (target == null) {
                return fallback;
            }
            for (String name : methodNames) {
                try {
                    Object v = target.getClass().getMethod(name).invoke(target);
                    if (v != null) {
                        return String.valueOf(v);
                    }
                } catch (Throwable ignored) {
                    // try next
                }
            }
            return fallback;
        }

        private static String q(String s) {
            if (s == null) {
                return "null";
            }
            StringBuilder sb = new StringBuilder("\"");
            for (char ch : s.toCharArray()) {
                switch (ch) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (ch < 0x20) {
                            sb.append(String.format("\\u%04x", (int) ch));
                        } else {
                            sb.append(ch);
                        }
                    }
                }
            }
            return sb.append('"').toString();
        }

        private static Object zeroValue(Class<?> type) {
            if (type == boolean.class) {
                return false;
            }
            if (type == int.class) {
                return 0;
            }
            if (type == long.class) {
                return 0L;
            }
            return null;
        }
    }

    static Object enumConstant(Class<?> enumType, String name) {
        for (Object c : enumType.getEnumConstants()) {
            if (((Enum<?>) c).name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(name + " is not a constant of " + enumType.getName());
    }
}
