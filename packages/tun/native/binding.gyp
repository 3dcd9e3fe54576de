{
  'targets': [
    {
      'target_name': 'edgevpn_tun',
      'sources': [
        'src/addon.cc',
        'src/batch_arrays.cc',
        'src/errno_error.cc',
        'src/fast_path_glue.cc',
        'src/fast_path_receive.cc',
        'src/fast_path_send.cc',
        'src/ip_header.cc',
        'src/js_args.cc',
        'src/libstdcxx_floor.cc',
        'src/interface_config.cc',
        'src/record_cipher.cc',
        'src/record_probe.cc',
        'src/socket_option.cc',
        'src/tun_queue.cc',
        'src/tun_read.cc',
        'src/unit_queue.cc',
        'src/unit_queue_probe.cc'
      ],
      'include_dirs': [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      'defines': [
        'NAPI_VERSION=8',
        'NAPI_DISABLE_CPP_EXCEPTIONS',
        'NODE_ADDON_API_DISABLE_DEPRECATED'
      ],
      'cflags_cc': ['-Wall', '-Wextra', '-Wno-unused-parameter']
    }
  ]
}
